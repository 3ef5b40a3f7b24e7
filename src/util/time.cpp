#include "miti/time.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "util/civil_date.hpp"

namespace miti {

std::string iso8601_utc(double epoch_ms) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  auto total = static_cast<std::int64_t>(std::floor(epoch_ms));
  const std::int64_t days = util::floor_div(total, kMsPerDay);
  const std::int64_t rest = total - days * kMsPerDay;
  const util::CivilDate date = util::civil_from_days(days);
  std::array<char, 40> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04lld-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<long long>(rest / 3'600'000),
                static_cast<long long>(rest / 60'000 % 60),
                static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
  return buffer.data();
}

}  // namespace miti
