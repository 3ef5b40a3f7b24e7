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

}  // namespace remind
