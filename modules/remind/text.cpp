#include "remind/text.hpp"

#include <miti/time.hpp>

namespace remind {

std::string utc_seconds(std::int64_t epoch_ms) {
  std::string iso = miti::iso8601_utc(epoch_ms);
  // "....T10:00:00.123Z" -> "....T10:00:00Z"
  std::size_t dot = iso.rfind('.');
  if (dot != std::string::npos) iso.erase(dot, iso.size() - 1 - dot);
  return iso;
}

std::string utc_hours_minutes(std::int64_t epoch_ms) {
  // "2026-05-01T10:00:00.000Z" -> "10:00"
  std::string iso = miti::iso8601_utc(epoch_ms);
  std::size_t t = iso.find('T');
  return t == std::string::npos ? iso : iso.substr(t + 1, 5);
}

}  // namespace remind
