#include "notes/note_text.hpp"

#include <cctype>
#include <miti/text.hpp>

namespace notes_module {

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_count(std::string_view args) {
  args = miti::trim(args);
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

std::string list_line(std::int64_t id, std::string_view text) {
  return "<code>#" + std::to_string(id) + "</code> " +
         miti::escape_html(miti::preview(text, kPreviewCodePoints));
}

std::optional<std::string> note_problem(std::string_view text) {
  if (miti::code_point_length(text) > kMaxNoteCodePoints) {
    return "That note is too long: at most " + std::to_string(kMaxNoteCodePoints) + " characters.";
  }
  return std::nullopt;
}

std::string delete_payload(std::int64_t id, int count) {
  return std::to_string(id) + ":" + std::to_string(count);
}

std::optional<DeletePayload> parse_delete_payload(std::string_view payload) {
  std::size_t colon = payload.find(':');
  std::optional<std::int64_t> id = miti::parse_id(payload.substr(0, colon));
  if (!id) return std::nullopt;
  DeletePayload parsed{.id = *id};
  if (colon != std::string_view::npos) {
    std::optional<int> count = parse_count(payload.substr(colon + 1));
    if (!count) return std::nullopt;
    parsed.count = *count;
  }
  return parsed;
}

}  // namespace notes_module
