#include "notes/note_text.hpp"

#include <cctype>

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

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string preview(std::string_view text) {
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A byte that does not continue a UTF-8 sequence starts a code point.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (code_points == kPreviewCodePoints) return std::string(text.substr(0, i)) + "\u2026";
      ++code_points;
    }
  }
  return std::string(text);
}

std::string list_line(std::int64_t id, std::string_view text) {
  return "<code>#" + std::to_string(id) + "</code> " + escape_html(preview(text));
}

}  // namespace notes_module
