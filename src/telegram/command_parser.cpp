#include "telegram/command_parser.hpp"

#include <algorithm>
#include <cctype>

namespace miti::telegram {

namespace {

// Bytes in the UTF-8 sequence starting with `lead` (1 for stray bytes, so a
// malformed text still advances).
std::size_t sequence_bytes(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
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

}  // namespace

std::size_t utf8_prefix_bytes(std::string_view text, std::int64_t utf16_units) {
  std::size_t bytes = 0;
  std::int64_t units = 0;
  while (bytes < text.size() && units < utf16_units) {
    std::size_t step = sequence_bytes(static_cast<unsigned char>(text[bytes]));
    std::int64_t width = step == 4 ? 2 : 1;  // astral code points are surrogate pairs
    // A pair straddling the limit stays outside: the prefix never exceeds it.
    if (units + width > utf16_units) break;
    units += width;
    bytes = std::min(text.size(), bytes + step);
  }
  return bytes;
}

bool starts_with_command(const Message& message) {
  return message.text &&
         std::any_of(message.entities.begin(), message.entities.end(), [](const MessageEntity& e) {
           return e.type == "bot_command" && e.offset == 0;
         });
}

std::optional<ParsedCommand> parse_command(const Message& message, std::string_view bot_username) {
  if (!message.text) return std::nullopt;
  const std::string& text = *message.text;
  auto entity =
      std::find_if(message.entities.begin(), message.entities.end(),
                   [](const MessageEntity& e) { return e.type == "bot_command" && e.offset == 0; });
  if (entity == message.entities.end() || entity->length < 2) return std::nullopt;

  std::size_t end = utf8_prefix_bytes(text, entity->length);
  std::string_view token = std::string_view(text).substr(0, end);
  if (!token.starts_with('/')) return std::nullopt;
  token.remove_prefix(1);

  std::string_view name = token;
  if (auto at = token.find('@'); at != std::string_view::npos) {
    name = token.substr(0, at);
    std::string_view target = token.substr(at + 1);
    if (bot_username.starts_with('@')) bot_username.remove_prefix(1);
    if (bot_username.empty() || !iequals(target, bot_username)) return std::nullopt;
  }
  if (name.empty()) return std::nullopt;

  std::string_view rest = std::string_view(text).substr(end);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  return ParsedCommand{std::string(name), std::string(rest)};
}

}  // namespace miti::telegram
