// Recognises a bot command at the start of a message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "miti/telegram.hpp"
#include "miti/text.hpp"

namespace miti::telegram {

struct ParsedCommand {
  std::string name;  // without '/' and without "@bot"
  std::string args;  // text after the command, leading whitespace removed
};

// A command is a bot_command entity at offset 0. "/cmd@bot" is accepted only
// when bot matches `bot_username` (case-insensitively, leading '@' optional);
// commands addressed to another bot, or to any bot while our username is
// unknown, give std::nullopt.
std::optional<ParsedCommand> parse_command(const Message& message, std::string_view bot_username);

// Whether the message starts with a bot_command entity (for this bot or any
// other): such a message is never a plain message.
bool starts_with_command(const Message& message);

// Byte length of the first `utf16_units` UTF-16 code units of UTF-8 `text`
// (Telegram measures entities in UTF-16); clamped to the text.
std::size_t utf8_prefix_bytes(std::string_view text, std::int64_t utf16_units);

using miti::utf16_length;  // Length of UTF-8 text in UTF-16 code units.

}  // namespace miti::telegram
