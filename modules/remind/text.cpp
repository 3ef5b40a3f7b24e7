#include "remind/text.hpp"

#include <miti/time.hpp>

namespace remind {

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
