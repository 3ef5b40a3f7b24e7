// Calendar arithmetic on day counts, shared by time formatting and cron
// matching.
#pragma once

#include <cstdint>

namespace miti::util {

struct CivilDate {
  std::int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

// Proleptic Gregorian date of a day count since 1970-01-01, using 400-year
// eras (146,097 days each) that start on March 1st so leap days come last.
constexpr CivilDate civil_from_days(std::int64_t days) {
  days += 719468;  // shift the epoch to 0000-03-01
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  const auto day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const auto month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// a / b rounded toward negative infinity (b > 0): the day of a negative time.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && (a < 0));
}

}  // namespace miti::util
