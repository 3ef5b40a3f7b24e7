#include "miti/text.hpp"

namespace miti {

namespace {
constexpr std::string_view kSpaces = " \t\r\n";
constexpr std::int64_t kMaxSafeId = (std::int64_t{1} << 53) - 1;

bool starts_code_point(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}
bool is_space(char c) {
  return kSpaces.find(c) != std::string_view::npos;
}
}  // namespace

std::string_view trim(std::string_view text) {
  std::size_t start = text.find_first_not_of(kSpaces);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kSpaces) - start + 1);
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '#') text.remove_prefix(1);
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id < 1 || id > kMaxSafeId) return std::nullopt;
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

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  for (char c : utf8) {
    if (!starts_code_point(c)) continue;
    units += static_cast<unsigned char>(c) >= 0xF0 ? 2 : 1;  // 4-byte sequences are surrogate pairs
  }
  return units;
}

std::string preview(std::string_view text, std::size_t max_code_points) {
  std::string out;
  out.reserve(text.size());
  std::size_t code_points = 0;
  for (char c : text) {
    if (starts_code_point(c) && code_points++ == max_code_points) {
      out += "\u2026";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_space(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace miti
