// The command parser (src/telegram/command_parser.cpp) given any text and entities.
//
// Input: structured (FuzzedDataProvider): the bot's username, up to four entities (types from
// Telegram's list or arbitrary, offsets and lengths from small to extreme, negative included),
// then the text (arbitrary bytes). Properties:
// * parse_command never fails, whatever the entities claim.
// * A command comes only from text starting with '/' and a bot_command entity at offset 0 of
//   at least 2 units; its name is non-empty, holds no '@', and follows the '/'; "@target" is
//   accepted only when it names our bot (case-insensitively, '@' optional, never when our
//   username is unknown); the arguments are the rest of the text after the entity with
//   leading spaces, tabs and line breaks removed; text = "/" name ["@" target] spaces args.
// * The entity's end is the longest prefix within its UTF-16 length (utf8_prefix_bytes).
// * Entities other than offset-0 bot_command ones, and their order, change nothing.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "telegram/command_parser.hpp"

namespace {

using miti::telegram::Message;
using miti::telegram::MessageEntity;
using miti::telegram::parse_command;
using miti::telegram::ParsedCommand;

const char* const kUsernames[] = {"", "mybot", "@MyBot", "a", "@", "my_bot_bot"};
const char* const kTypes[] = {"bot_command", "bot_command", "mention", "hashtag", "url", ""};

std::int64_t pick_number(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return in.ConsumeIntegral<std::int64_t>();
    case 1:
      return std::numeric_limits<std::int64_t>::max() - in.ConsumeIntegralInRange(0, 2);
    case 2:
      return std::numeric_limits<std::int64_t>::min() + in.ConsumeIntegralInRange(0, 2);
    case 3:
      return -in.ConsumeIntegralInRange<std::int64_t>(0, 3);
    default:
      return in.ConsumeIntegralInRange<std::int64_t>(0, 40);
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

void check(const Message& message, std::string_view username) {
  const std::optional<ParsedCommand> parsed = parse_command(message, username);

  // Only the first bot_command entity at offset 0 matters.
  auto entity = std::find_if(message.entities.begin(), message.entities.end(), [](const auto& e) {
    return e.type == "bot_command" && e.offset == 0;
  });
  Message alone = message;
  alone.entities.clear();
  if (entity != message.entities.end()) alone.entities.push_back(*entity);
  const std::optional<ParsedCommand> without_others = parse_command(alone, username);
  FUZZ_CHECK(parsed.has_value() == without_others.has_value() &&
                 (!parsed ||
                  (parsed->name == without_others->name && parsed->args == without_others->args)),
             "entities other than the offset-0 bot_command change the result");

  if (!parsed) return;
  FUZZ_CHECK(message.text.has_value(), "a command without text");
  FUZZ_CHECK(entity != message.entities.end() && entity->length >= 2,
             "a command without a bot_command entity of 2+ units at offset 0");
  const std::string& text = *message.text;
  FUZZ_CHECK(text.starts_with('/'), "a command not starting with '/'");
  FUZZ_CHECK(!parsed->name.empty() && parsed->name.find('@') == std::string::npos,
             "an empty command name, or one holding '@'");
  FUZZ_CHECK(std::string_view(text).substr(1).starts_with(parsed->name),
             "the name does not follow the '/'");
  FUZZ_CHECK(parsed->args.empty() || !is_space(parsed->args.front()),
             "the arguments start with a space");

  const std::size_t end = miti::telegram::utf8_prefix_bytes(text, entity->length);
  const std::string_view token = std::string_view(text).substr(1, end - 1);
  if (token.size() > parsed->name.size()) {
    FUZZ_CHECK(token[parsed->name.size()] == '@', "the name ends before the entity without '@'");
    std::string_view ours = username;
    if (ours.starts_with('@')) ours.remove_prefix(1);
    FUZZ_CHECK(!ours.empty() && iequals(token.substr(parsed->name.size() + 1), ours),
               "a command for another bot is accepted");
  } else {
    FUZZ_CHECK(token == parsed->name, "the name is not the entity's text");
  }
  std::string_view rest = std::string_view(text).substr(end);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  FUZZ_CHECK(parsed->args == rest, "the arguments are not the rest of the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string username = in.ConsumeBool()
                                   ? kUsernames[in.ConsumeIntegralInRange<std::size_t>(0, 5)]
                                   : in.ConsumeRandomLengthString(16);
  Message message;
  for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n) {
    MessageEntity entity;
    entity.type = in.ConsumeBool() ? kTypes[in.ConsumeIntegralInRange<std::size_t>(0, 5)]
                                   : in.ConsumeRandomLengthString(12);
    entity.offset = in.ConsumeIntegralInRange(0, 3) == 0 ? pick_number(in) : 0;
    entity.length = pick_number(in);
    message.entities.push_back(std::move(entity));
  }
  if (in.ConsumeIntegralInRange(0, 15) != 0) message.text = in.ConsumeRemainingBytesAsString();

  check(message, username);
  // The order of the entities does not matter beyond which offset-0 command comes first.
  std::stable_partition(message.entities.begin(), message.entities.end(),
                        [](const MessageEntity& e) { return e.type == "bot_command"; });
  check(message, username);
  return 0;
}
