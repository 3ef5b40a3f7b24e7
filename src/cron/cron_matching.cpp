// Whether a UTC minute is one a cron expression selects; the rules are in cron_expression.hpp.
#include <array>
#include <cmath>
#include <cstdint>

#include "cron/cron_expression.hpp"
#include "util/civil_date.hpp"

namespace miti::cron {

namespace {

bool is_leap(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int month_length(std::int64_t year, int month) {
  static constexpr std::array<int, 13> kLengths = {0,  31, 28, 31, 30, 31, 30,
                                                   31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kLengths[month];
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

bool CronExpression::matches_epoch_ms(std::int64_t epoch_ms) const {
  const std::int64_t minutes = util::floor_div(epoch_ms, 60'000);
  const std::int64_t days = util::floor_div(minutes, 1440);
  const auto minute_of_day = static_cast<int>(minutes - days * 1440);
  const util::CivilDate date = util::civil_from_days(days);
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
