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

std::size_t utf8_sequence_length(std::string_view text) noexcept {
  if (text.empty()) return 0;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // a UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

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

std::size_t code_point_length(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) count += starts_code_point(c) ? 1 : 0;
  return count;
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
