// Whether a UTC minute is one a cron expression selects; the rules are in cron_expression.hpp.
#include <array>
#include <cmath>
#include <cstdint>

#include "cron/cron_expression.hpp"

namespace miti::cron {

namespace {

struct Date {
  std::int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm: 400-year
// eras starting on March 1st, so the leap day falls last).
Date date_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<std::int64_t>(days - era * 146097);
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  const auto day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const auto month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int month_length(std::int64_t year, int month) {
  static constexpr std::array<int, 13> kLengths = {0,  31, 28, 31, 30, 31, 30,
                                                   31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kLengths[month];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The weekday (MON-FRI) nearest to `target` without leaving the month (Quartz's W): a Saturday
// moves to Friday (or to Monday the 3rd when it is the 1st), a Sunday to Monday (or to Friday
// when it is the last day). `target_weekday` is 0 for Sunday.
int nearest_weekday(int target, int target_weekday, int length) {
  if (target_weekday == 6) return target == 1 ? 3 : target - 1;
  if (target_weekday == 0) return target == length ? target - 2 : target + 1;
  return target;
}

}  // namespace

bool CronExpression::day_of_month_matches(int day, int length, int weekday) const {
  auto weekday_of = [&](int other) {
    return static_cast<int>(((weekday + other - day) % 7 + 7) % 7);
  };
  switch (day_kind_) {
    case DayKind::kAny:
      return true;
    case DayKind::kSet:
      return (days_ >> day) & 1u;
    case DayKind::kLast:
      return day == length - day_value_;
    case DayKind::kLastWeekday:
    case DayKind::kNearestWeekday: {
      int target = day_kind_ == DayKind::kLastWeekday ? length - day_value_ : day_value_;
      if (target < 1 || target > length) return false;  // the month has no such day
      return day == nearest_weekday(target, weekday_of(target), length);
    }
  }
  return false;
}

bool CronExpression::day_of_week_matches(int day, int length, int weekday) const {
  switch (weekday_kind_) {
    case WeekdayKind::kAny:
      return true;
    case WeekdayKind::kSet:
      return (weekdays_ >> weekday) & 1u;
    case WeekdayKind::kLastOfMonth:
      return weekday == weekday_value_ && day + 7 > length;
    case WeekdayKind::kNth:
      return weekday == weekday_value_ && (day - 1) / 7 + 1 == weekday_nth_;
  }
  return false;
}

bool CronExpression::matches_epoch_ms(double epoch_ms) const {
  if (!std::isfinite(epoch_ms) || std::fabs(epoch_ms) > 8.64e18) return false;
  const auto minutes = static_cast<std::int64_t>(std::floor(epoch_ms / 60'000.0));
  const std::int64_t days = floor_div(minutes, 1440);
  const auto minute_of_day = static_cast<int>(minutes - days * 1440);
  const Date date = date_from_days(days);
  const auto weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  const int length = month_length(date.year, date.month);

  if (!((minutes_ >> (minute_of_day % 60)) & 1u)) return false;
  if (!((hours_ >> (minute_of_day / 60)) & 1u)) return false;
  if (!((months_ >> date.month) & 1u)) return false;
  const bool any_day = day_kind_ == DayKind::kAny;
  const bool any_weekday = weekday_kind_ == WeekdayKind::kAny;
  const bool by_day = day_of_month_matches(date.day, length, weekday);
  const bool by_weekday = day_of_week_matches(date.day, length, weekday);
  // Both restricted: either one suffices (Vixie cron, and Cloudflare's matcher).
  if (!any_day && !any_weekday) return by_day || by_weekday;
  return by_day && by_weekday;
}

}  // namespace miti::cron
