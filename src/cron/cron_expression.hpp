// Cron expressions as Cloudflare Workers Cron Triggers understand them.
//
// Cloudflare parses triggers with its own Quartz-like parser (github.com/cloudflare/saffron,
// documented at developers.cloudflare.com/workers/configuration/cron-triggers). This follows it,
// because a schedule we accept must mean the same thing when Cloudflare fires it:
//
//   field          values                          forms
//   minute         0-59                            *  a  a-b  a/s  a-b/s  */s  lists
//   hour           0-23                            same
//   day-of-month   1-31                            same, or alone: L  L-n  LW  L-nW  nW
//   month          1-12 or JAN-DEC (any case)      same
//   day-of-week    1-7 or SUN-SAT (any case)       same, or alone: L  nL  n#k
//
// * Day-of-week counts 1=SUN, 2=MON ... 7=SAT (Quartz, as Cloudflare documents: "0 17 * * 1" is
//   Sunday). This is NOT Unix cron, where 1 is Monday; 0 is therefore refused with a hint.
// * Steps go up to the field's span (minute 59, hour 23, day-of-month 30, month 11, weekday 6);
//   `a/s` runs from a to the field's maximum.
// * Special forms: L = last day of the month (day-of-month) or Saturday (day-of-week alone);
//   L-n = n days before the last day; W = the weekday (MON-FRI) nearest to the day, never
//   leaving the month (a month without that day does not match); LW = last weekday of the month;
//   nL = the last such weekday of the month; n#k = the k-th (1-5) such weekday of the month. They
//   stand alone in their field, as Cloudflare requires.
// * Day-of-month and day-of-week: when both are restricted (anything but a bare `*`), a day
//   matches when EITHER matches (Vixie cron's rule, which Cloudflare's matcher also applies;
//   `*/1` counts as restricted there too).
// * Refused, with a message naming the expression, the field and the problem: `?`, six-field
//   (seconds) and @-macros (Cloudflare has none), backwards ranges such as 50-10 (Cloudflare's
//   wrap-around is not reliably documented), `*` inside a list, and day-of-month values that no
//   chosen month has (`0 0 30 2 *` would never fire).
// * All times are UTC, as on Cloudflare.
//
// normalized() is canonical for meaning: two expressions that select the same minutes render the
// same text ("0  9 * * mon" and "0 9 * * 2" both give "0 9 * * 2"; "*/30" and "0,30" both give
// "*/30"). The dispatcher compares normalised texts, so a spelling difference between a module and
// wrangler.toml never loses a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "miti/error.hpp"

namespace miti::cron {

class CronError : public miti::Error {
 public:
  using Error::Error;
};

class CronExpression {
 public:
  // Five fields: minute hour day-of-month month day-of-week, separated by spaces or tabs.
  // Throws CronError naming the expression and the field and saying what is wrong.
  static CronExpression parse(std::string_view text);

  // Canonical text: one space between fields, names turned into numbers, lists sorted and
  // merged, so expressions compare equal exactly when they select the same times.
  const std::string& normalized() const noexcept { return normalized_; }

  // Whether the minute containing epoch_ms (UTC) is one this expression selects.
  // Dispatch never needs it (Cloudflare decides when a trigger fires and the
  // Worker compares normalized()); it is the executable statement of the
  // semantics normalisation relies on, checked by the unit tests.
  bool matches_epoch_ms(std::int64_t epoch_ms) const;

  friend bool operator==(const CronExpression& a, const CronExpression& b) noexcept {
    return a.normalized_ == b.normalized_;
  }

 private:
  // Day-of-month beyond plain sets: L, L-n, LW, L-nW, nW.
  enum class DayKind : std::uint8_t { kAny, kSet, kLast, kLastWeekday, kNearestWeekday };
  // Day-of-week beyond plain sets: nL, n#k.
  enum class WeekdayKind : std::uint8_t { kAny, kSet, kLastOfMonth, kNth };

  CronExpression() = default;
  bool day_of_month_matches(int day, int month_length, int weekday) const;
  bool day_of_week_matches(int day, int month_length, int weekday) const;

  std::uint64_t minutes_ = 0;  // bit m: minute m
  std::uint32_t hours_ = 0;    // bit h: hour h
  std::uint32_t days_ = 0;     // bit d: day d of the month (kSet)
  std::uint16_t months_ = 0;   // bit m: month m (1-12)
  std::uint8_t weekdays_ = 0;  // bit w: weekday w, 0 = Sunday (kSet)
  DayKind day_kind_ = DayKind::kAny;
  int day_value_ = 0;  // L-n / L-nW: n; nW: n
  WeekdayKind weekday_kind_ = WeekdayKind::kAny;
  int weekday_value_ = 0;  // nL, n#k: the weekday, 0 = Sunday
  int weekday_nth_ = 0;    // n#k: k
  std::string normalized_;

  friend class Parser;
};

// Normalised text, or std::nullopt when the expression is invalid. Never throws.
std::optional<std::string> normalize(std::string_view text) noexcept;

}  // namespace miti::cron
