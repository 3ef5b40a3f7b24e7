#include "notes/note_text.hpp"

#include <cctype>
#include <miti/text.hpp>

namespace notes_module {

namespace {

std::string_view trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_count(std::string_view args) {
  args = trim(args);
  if (args.empty()) return kDefaultCount;
  bool negative = args.front() == '-';
  if (negative || args.front() == '+') args.remove_prefix(1);
  if (!all_digits(args)) return std::nullopt;
  if (negative) return 1;
  // Saturate instead of overflowing: "/notes 99999999999999" means "as many as allowed".
  long long value = 0;
  for (char c : args) {
    value = value * 10 + (c - '0');
    if (value > kMaxCount) return kMaxCount;
  }
  return value < 1 ? 1 : static_cast<int>(value);
}

std::optional<std::int64_t> parse_id(std::string_view args) {
  args = trim(args);
  if (!args.empty() && args.front() == '#') args.remove_prefix(1);
  if (!all_digits(args) || args.size() > 15) return std::nullopt;  // ids stay below 2^53
  std::int64_t id = 0;
  for (char c : args) id = id * 10 + (c - '0');
  if (id < 1) return std::nullopt;
  return id;
}

std::string list_line(std::int64_t id, std::string_view text) {
  return "<code>#" + std::to_string(id) + "</code> " +
         miti::escape_html(miti::preview(text, kPreviewCodePoints));
}

}  // namespace notes_module
