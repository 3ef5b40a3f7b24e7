#include "remind/text.hpp"

#include <miti/time.hpp>

namespace remind {

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

std::size_t utf16_units(std::string_view utf8) {
  std::size_t units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;        // 4-byte sequences are surrogate pairs
  }
  return units;
}

std::string preview(std::string_view text, std::size_t max_code_points) {
  std::string out;
  std::size_t code_points = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool starts_code_point = (c & 0xC0) != 0x80;
    if (starts_code_point && code_points++ == max_code_points) {
      out += "…";
      break;
    }
    out += (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
  }
  return out;
}

std::string utc_seconds(std::int64_t epoch_ms) {
  std::string iso = miti::iso8601_utc(static_cast<double>(epoch_ms));
  // "....T10:00:00.123Z" -> "....T10:00:00Z"
  std::size_t dot = iso.rfind('.');
  if (dot != std::string::npos) iso.erase(dot, iso.size() - 1 - dot);
  return iso;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  std::size_t start = text.find_first_not_of(kSpace);
  if (start == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(kSpace);
  return text.substr(start, end - start + 1);
}

}  // namespace remind
