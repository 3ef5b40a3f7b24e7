// Coverage of cron schedules by triggers (tools/lib/cron_cover): exact answers over a whole
// 400-year cycle, checked against the runtime's own minute matcher.
#include "lib/cron_cover.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "cron/cron_expression.hpp"

using miti::cron::CronExpression;
using miti::tools::covering_trigger;
using miti::tools::describe_minute;
using miti::tools::FireSet;
using miti::tools::first_common_minute;
using miti::tools::TriggerCoverage;

namespace {

// Epoch milliseconds of a UTC civil time, through libc rather than the code under test.
std::int64_t utc(int year, int month, int day, int hour = 0, int minute = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::vector<FireSet> sets(const std::vector<std::string>& expressions) {
  std::vector<FireSet> out;
  for (const auto& expression : expressions) out.push_back(FireSet::of(expression));
  return out;
}

// The first minute `schedule` fires and none of `triggers` does, or -1.
std::int64_t missed(const std::string& schedule, const std::vector<std::string>& triggers) {
  return TriggerCoverage(sets(triggers)).first_uncovered(FireSet::of(schedule)).value_or(-1);
}

bool covers(const std::vector<std::string>& triggers, const std::string& schedule) {
  return missed(schedule, triggers) == -1;
}

}  // namespace

TEST_CASE("the day cycle starts on 2026-01-01 and lasts 400 years", "[cron_cover]") {
  CHECK(miti::tools::kCycleFirstDay * 86'400'000 == utc(2026, 1, 1));
  CHECK((miti::tools::kCycleFirstDay + miti::tools::kCycleDays) * 86'400'000 == utc(2426, 1, 1));
  CHECK(miti::tools::kCycleDays % 7 == 0);
  CHECK(describe_minute(utc(2026, 3, 4, 5, 6)) == "2026-03-04 05:06 UTC");
}

TEST_CASE("a fire set splits an expression into minutes, hours and days", "[cron_cover]") {
  FireSet set = FireSet::of("*/15 3,5 * * *");
  CHECK(set.minutes == ((1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45)));
  CHECK(set.hours == ((1u << 3) | (1u << 5)));
  FireSet mondays = FireSet::of("0 0 * * MON");
  int count = 0;
  for (auto word : mondays.days) count += std::popcount(word);
  CHECK(count == miti::tools::kCycleDays / 7);
}

TEST_CASE("every minute covers everything", "[cron_cover]") {
  for (const char* schedule : {"0 3 * * *", "0 9 13 * FRI", "0 0 L * *", "59 23 LW 2 *",
                               "*/7 1-5 15W JAN-MAR 2#1", "0 0 29 2 *"}) {
    INFO(schedule);
    CHECK(covers({"* * * * *"}, schedule));
  }
}

TEST_CASE("minutes and hours: containment per field, and unions of triggers", "[cron_cover]") {
  CHECK(covers({"*/5 * * * *"}, "0 3 * * *"));
  CHECK(covers({"*/5 * * * *"}, "30 */2 * * *"));
  CHECK(missed("17 3 * * *", {"*/5 * * * *"}) == utc(2026, 1, 1, 3, 17));
  CHECK(missed("0,30 * * * *", {"0 * * * *"}) == utc(2026, 1, 1, 0, 30));
  // No single trigger holds it, the two together do.
  CHECK(covers({"0 * * * *", "30 * * * *"}, "0,30 * * * *"));
  CHECK(covers({"0 0-11 * * *", "0 12-23 * * *"}, "0 */3 * * *"));
  CHECK(missed("0 */3 * * *", {"0 0-11 * * *", "0 13-23 * * *"}) == utc(2026, 1, 1, 12, 0));
  // Minutes from one trigger and hours from another are not a cover.
  CHECK(missed("30 5 * * *", {"30 4 * * *", "0 5 * * *"}) == utc(2026, 1, 1, 5, 30));
}

TEST_CASE("days: day-of-month, weekday and the special forms are compared exactly",
          "[cron_cover]") {
  CHECK(covers({"0 3 * * *"}, "0 3 1 * *"));
  CHECK(covers({"0 3 * * *"}, "0 3 L * *"));
  // The last weekday of a month and the weekday nearest the 15th are always MON-FRI.
  CHECK(covers({"0 3 * * MON-FRI"}, "0 3 LW * *"));
  CHECK(covers({"0 3 * * MON-FRI"}, "0 3 15W * *"));
  // The first Monday is one of the first seven days.
  CHECK(covers({"0 3 1-7 * *"}, "0 3 * * 2#1"));
  CHECK(missed("0 3 1 * *", {"0 3 * * MON-FRI"}) == utc(2026, 2, 1, 3, 0));  // a Sunday
  // Both day fields restricted: either matches, so Fridays that are not the 13th count too.
  CHECK(missed("0 0 13 * FRI", {"0 0 13 * *"}) == utc(2026, 1, 2));
  CHECK(covers({"0 0 13 * *", "0 0 * * FRI"}, "0 0 13 * FRI"));
  // February 29th is the last day of February, but not every last day is the 29th.
  CHECK(covers({"0 0 L 2 *"}, "0 0 29 2 *"));
  CHECK(missed("0 0 L 2 *", {"0 0 29 2 *"}) == utc(2026, 2, 28));
  // Months.
  CHECK(covers({"0 0 1 JAN-JUN *"}, "0 0 1 */3 *") == false);
  CHECK(missed("0 0 1 */3 *", {"0 0 1 JAN-JUN *"}) == utc(2026, 7, 1));
  // No triggers cover nothing.
  CHECK(missed("0 3 * * *", {}) == utc(2026, 1, 1, 3, 0));
}

TEST_CASE("the answers agree with the minute matcher over a quarter", "[cron_cover]") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"0 3 * * *", {"*/5 * * * *"}},
      {"17 3 * * *", {"*/5 * * * *"}},
      {"0 9 * * MON", {"0 9 * * 2-6", "0 9 1 * *"}},
      {"0 9 13 * FRI", {"0 9 13 * *"}},
      {"*/20 8-10 LW * *", {"*/10 8-10 * * MON-FRI"}},
      {"0 0 L * *", {"0 0 28-31 * *"}},
      {"0 0 L * *", {"0 0 30,31 * *"}},
  };
  for (const auto& [schedule, triggers] : cases) {
    INFO(schedule);
    CronExpression s = CronExpression::parse(schedule);
    std::vector<CronExpression> ts;
    for (const auto& t : triggers) ts.push_back(CronExpression::parse(t));
    auto fired = [&](std::int64_t at) {
      for (const auto& t : ts)
        if (t.matches_epoch_ms(at)) return true;
      return false;
    };
    std::int64_t brute = -1;
    for (std::int64_t at = utc(2026, 1, 1); at < utc(2026, 4, 1) && brute < 0; at += 60'000)
      if (s.matches_epoch_ms(at) && !fired(at)) brute = at;
    std::int64_t exact = missed(schedule, triggers);
    if (brute >= 0) {
      CHECK(exact == brute);
    } else if (exact >= 0) {  // covered for a quarter, missed later in the cycle
      CHECK(s.matches_epoch_ms(exact));
      CHECK_FALSE(fired(exact));
    }
  }
}

TEST_CASE("first_common_minute finds where sets meet", "[cron_cover]") {
  auto a = FireSet::of("0 3 * * *");
  auto b = FireSet::of("*/5 3 * * *");
  auto c = FireSet::of("0 4 * * *");
  auto sundays = FireSet::of("0 0 * * SUN");
  auto firsts = FireSet::of("0 0 1 * *");
  CHECK(first_common_minute({&a, &b}) == utc(2026, 1, 1, 3, 0));
  CHECK_FALSE(first_common_minute({&a, &c}).has_value());
  CHECK(first_common_minute({&sundays, &firsts}) == utc(2026, 2, 1));
  CHECK_FALSE(first_common_minute({}).has_value());
}

TEST_CASE("covering_trigger is as narrow as the fields allow, and always covers", "[cron_cover]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"* * * * *", "0 3 * * *", "17 3 * * *"}, "* * * * *"},
      {{"*/10 * * * *", "0 3 * * *", "30 */2 * * *"}, "*/10 * * * *"},
      {{"0 3 * * *", "17 3 * * *", "0 9 * * *"}, "0,17 3,9 * * *"},
      {{"0 9 * * MON", "0 18 * * FRI"}, "0 9,18 * * 2,6"},
      {{"0 0 1 * *", "0 0 15 * *"}, "0 0 1,15 * *"},
      {{"0 0 1 JAN *", "0 0 1 JUL *"}, "0 0 1 */6 *"},
      {{"0 0 L * *", "0 0 * * MON"}, "0 0 * * *"},
      {{"0 0 LW 1 *", "0 0 LW 3 *"}, "0 0 LW 1,3 *"},
      {{"0 0 13 * FRI", "0 0 1 * *"}, "0 0 * * *"},
  };
  for (const auto& [schedules, expected] : cases) {
    std::string cover = covering_trigger(schedules);
    INFO(cover);
    CHECK(cover == expected);
    for (const auto& schedule : schedules) CHECK(covers({cover}, schedule));
  }
}
