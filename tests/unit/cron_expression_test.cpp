// Cron expressions: Cloudflare's syntax, normalisation and UTC matching.
#include "cron/cron_expression.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <ctime>
#include <string>

using miti::cron::CronError;
using miti::cron::CronExpression;
using miti::cron::normalize;

namespace {

// Epoch milliseconds of a UTC civil time, through libc so the tests do not share the code under
// test's calendar arithmetic.
std::int64_t utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::tm civil(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000 - (epoch_ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

int days_in_month(int year, int month) {
  std::tm tm = civil(utc(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1);
  return tm.tm_mday;
}

std::string norm(const char* text) {
  return CronExpression::parse(text).normalized();
}

bool matches(const char* text, std::int64_t epoch_ms) {
  return CronExpression::parse(text).matches_epoch_ms(epoch_ms);
}

// Every day at 00:00 from `first` to `last` (inclusive) that the expression selects.
std::vector<std::tm> matching_days(const char* text, std::int64_t first, std::int64_t last) {
  auto cron = CronExpression::parse(text);
  std::vector<std::tm> days;
  for (std::int64_t t = first; t <= last; t += 86'400'000)
    if (cron.matches_epoch_ms(t)) days.push_back(civil(t));
  return days;
}

void require_error(const char* text, const std::string& fragment) {
  INFO("expression: " << text);
  try {
    (void)CronExpression::parse(text);
    FAIL("no error");
  } catch (const CronError& error) {
    std::string message = error.what();
    INFO("message: " << message);
    CHECK(message.find(std::string("cron expression '") + text + "'") != std::string::npos);
    CHECK(message.find(fragment) != std::string::npos);
  }
  CHECK_FALSE(normalize(text).has_value());
}

}  // namespace

TEST_CASE("cron: every syntax form parses and normalises", "[cron]") {
  CHECK(norm("* * * * *") == "* * * * *");
  CHECK(norm("*/15 * * * *") == "*/15 * * * *");
  CHECK(norm("0,15,30,45 * * * *") == "*/15 * * * *");
  CHECK(norm("1-30/5 * * * *") == "1-26/5 * * * *");
  CHECK(norm("5/20 * * * *") == "5,25,45 * * * *");  // a/s runs to the maximum
  CHECK(norm("0-59 0-23 * 1-12 *") == "* * * * *");
  CHECK(norm("5,1,3 * * * *") == "1,3,5 * * * *");
  CHECK(norm("1,2,3,10 * * * *") == "1-3,10 * * * *");
  CHECK(norm("05 09 * * *") == "5 9 * * *");
  CHECK(norm("0 */6 * * *") == "0 */6 * * *");
  CHECK(norm("0 0 1 */3 *") == "0 0 1 */3 *");
  CHECK(norm("0 0 1 jan,Jul *") == "0 0 1 */6 *");
  CHECK(norm("0 0 1 1,4 *") == "0 0 1 1,4 *");
  CHECK(norm("0,30 * * * *") == "*/30 * * * *");
  CHECK(norm("0,7,14,21,28,35,42,49,56 * * * *") == "*/7 * * * *");
  CHECK(norm("2,9,16,23 * * * *") == "2-23/7 * * * *");
  CHECK(norm("0 0 1 JAN-MAR *") == "0 0 1 1-3 *");
  CHECK(norm("10 7 * * mon-fri") == "10 7 * * 2-6");
  CHECK(norm("0 0 * * SUN,sat") == "0 0 * * 1,7");
  CHECK(norm("0 0 * * 1-7") == "0 0 * * 1-7");
  CHECK(norm("0 0 * * */2") == "0 0 * * */2");
  CHECK(norm("0 0 * * L") == "0 0 * * 7");  // Cloudflare: a lone L is the last day of the week
  CHECK(norm("0 0 1-31 * *") == "0 0 1-31 * *");
  CHECK(norm("0 0 */1 * *") == "0 0 1-31 * *");
  CHECK(norm("0 0 */2 * *") == "0 0 */2 * *");
}

TEST_CASE("cron: L, W and # forms", "[cron]") {
  CHECK(norm("0 0 L * *") == "0 0 L * *");
  CHECK(norm("0 0 L-3 * *") == "0 0 L-3 * *");
  CHECK(norm("59 23 LW * *") == "59 23 LW * *");
  CHECK(norm("0 0 L-3W * *") == "0 0 L-3W * *");
  CHECK(norm("0 0 15W * *") == "0 0 15W * *");
  CHECK(norm("0 18 * * 6L") == "0 18 * * 6L");
  CHECK(norm("0 18 * * friL") == "0 18 * * 6L");
  CHECK(norm("0 0 * * 2#1") == "0 0 * * 2#1");
  CHECK(norm("0 0 * * mon#1") == "0 0 * * 2#1");
}

TEST_CASE("cron: names in any case and spacing normalise equal", "[cron]") {
  CHECK(normalize("0  9 * * mon") == normalize("0 9 * * 2"));
  CHECK(normalize("\t0 9 * * Mon  ") == normalize("0 9 * * MON"));
  CHECK(normalize("0 9 * dec *") == normalize("0 9 * 12 *"));
  CHECK(normalize("0 9 * Dec *") == normalize("0 9 * DEC *"));
  CHECK(normalize("*/30 * * * *") == normalize("0,30 * * * *"));
  CHECK(normalize("0 0 * * MON,TUE,WED,THU,FRI") == normalize("0 0 * * 2-6"));
  CHECK(CronExpression::parse("0 9 * * mon") == CronExpression::parse("0 9 * * 2"));
}

TEST_CASE("cron: different meanings normalise differently", "[cron]") {
  CHECK(normalize("0 9 * * 1") != normalize("0 9 * * MON"));   // 1 is Sunday on Cloudflare
  CHECK(normalize("0 0 * * *") != normalize("0 0 1-31 * *"));  // * is unrestricted, 1-31 is not
  CHECK(normalize("0 0 * * *") != normalize("0 0 * * 1-7"));
  CHECK(normalize("*/15 * * * *") != normalize("*/20 * * * *"));
  CHECK(normalize("0 0 L * *") != normalize("0 0 LW * *"));
  CHECK(normalize("0 0 * * 6L") != normalize("0 0 * * 6#4"));
  CHECK(normalize("0 0 * * L") != normalize("0 0 * * 7L"));
}

TEST_CASE("cron: the number of fields, macros and Quartz-only syntax are refused", "[cron]") {
  require_error("", "is empty");
  require_error("   ", "is empty");
  require_error("* * * *", "expected 5 fields");
  require_error("0 * * * * *", "no seconds or year field");
  require_error("@daily", "macros");
  require_error("* * ? * *", "'?' is not supported");
  require_error("* * * * ?", "'?' is not supported");
}

TEST_CASE("cron: every field's range is checked", "[cron]") {
  require_error("60 * * * *", "minute '60': 60 is out of range 0-59");
  require_error("* 24 * * *", "hour '24': 24 is out of range 0-23");
  require_error("* * 0 * *", "day-of-month '0': 0 is out of range 1-31");
  require_error("* * 32 * *", "day-of-month '32': 32 is out of range 1-31");
  require_error("* * * 0 *", "month '0': 0 is out of range 1-12");
  require_error("* * * 13 *", "month '13': 13 is out of range 1-12");
  require_error("* * * * 0", "day-of-week '0': 0 is out of range 1-7");
  require_error("* * * * 0", "1=SUN");
  require_error("* * * * 8", "out of range 1-7");
  require_error("0-60 * * * *", "60 is out of range 0-59");
  require_error("99999999999 * * * *", "out of range 0-59");
}

TEST_CASE("cron: steps, ranges and lists are checked", "[cron]") {
  require_error("*/0 * * * *", "step 0 is out of range 1-59");
  require_error("*/60 * * * *", "step 60 is out of range 1-59");
  require_error("* */24 * * *", "step 24 is out of range 1-23");
  require_error("* * */31 * *", "step 31 is out of range 1-30");
  require_error("* * * */12 *", "step 12 is out of range 1-11");
  require_error("* * * * */7", "step 7 is out of range 1-6");
  require_error("*/x * * * *", "the step after '/' must be a number");
  require_error("30-10 * * * *", "runs backwards");
  require_error("* * * * FRI-MON", "runs backwards");
  require_error("*,5 * * * *", "'*' must stand alone");
  require_error("1,,2 * * * *", "empty item");
  require_error("1, * * * *", "empty item");
  require_error("a * * * *", "'a' is not a number");
  require_error("1-2-3 * * * *", "is not a number");
  require_error("* * * foo *", "'foo'");
  require_error("* * * foo *", "JAN-DEC");
  require_error("* * * * MONDAY", "SUN-SAT");
  require_error("* * * JAN-13 *", "13 is out of range 1-12");
}

TEST_CASE("cron: L, W and # misuse is refused", "[cron]") {
  require_error("* * lw * *", "capitals");
  require_error("* * L,15 * *", "alone in the field");
  require_error("* * 1,LW * *", "alone in the field");
  require_error("* * W * *", "alone in the field");
  require_error("* * L-31 * *", "offset 31 after 'L-' is out of range 1-30");
  require_error("* * L-0 * *", "out of range 1-30");
  require_error("* * 32W * *", "32 is out of range 1-31");
  require_error("* * * * 1-5L", "cannot be combined");
  require_error("* * * * 2#6", "occurrence 6 after '#' is out of range 1-5");
  require_error("* * * * 2#0", "out of range 1-5");
  require_error("* * * * 0#1", "0 is out of range 1-7");
  require_error("* * * * 2#", "'#' must be followed by 1-5");
}

TEST_CASE("cron: a day no chosen month has is refused", "[cron]") {
  require_error("0 0 30 2 *", "would never fire");
  require_error("0 0 31 4,6,9,11 *", "would never fire");
  require_error("0 0 31W 2 *", "would never fire");
  CHECK_NOTHROW(CronExpression::parse("0 0 29 2 *"));  // leap years
  CHECK_NOTHROW(CronExpression::parse("0 0 31 4,5 *"));
  CHECK_NOTHROW(CronExpression::parse("0 0 30 2 MON"));  // day-of-week still fires
}

TEST_CASE("cron: normalize never throws", "[cron]") {
  CHECK(normalize("*/5 * * * *") == std::optional<std::string>("*/5 * * * *"));
  CHECK_FALSE(normalize("not a cron").has_value());
  CHECK_FALSE(normalize(std::string_view("\0\0\0\0\0", 5)).has_value());
}

TEST_CASE("cron: matching every minute and steps", "[cron]") {
  CHECK(matches("* * * * *", utc(2024, 5, 17, 13, 42, 7)));
  CHECK(matches("*/15 * * * *", utc(2024, 5, 17, 10, 15)));
  CHECK(matches("*/15 * * * *", utc(2024, 5, 17, 10, 0, 59) + 999));  // any moment of the minute
  CHECK_FALSE(matches("*/15 * * * *", utc(2024, 5, 17, 10, 16)));
  CHECK(matches("1-30/5 * * * *", utc(2024, 5, 17, 10, 26)));
  CHECK_FALSE(matches("1-30/5 * * * *", utc(2024, 5, 17, 10, 31)));
  CHECK(matches("0 */6 * * *", utc(2024, 5, 17, 18, 0)));
  CHECK_FALSE(matches("0 */6 * * *", utc(2024, 5, 17, 19, 0)));
}

TEST_CASE("cron: weekdays count from Sunday = 1, as on Cloudflare", "[cron]") {
  const std::int64_t monday_nine = utc(2024, 1, 1, 9, 0);  // 2024-01-01 was a Monday
  CHECK(matches("0 9 * * MON", monday_nine));
  CHECK(matches("0 9 * * 2", monday_nine));
  CHECK_FALSE(matches("0 9 * * MON", utc(2024, 1, 2, 9, 0)));
  CHECK_FALSE(matches("0 9 * * MON", utc(2024, 1, 1, 9, 1)));
  CHECK_FALSE(matches("0 9 * * MON", utc(2024, 1, 1, 10, 0)));
  CHECK(matches("0 17 * * 1", utc(2024, 1, 7, 17, 0)));  // Cloudflare's example: 1 is Sunday
  CHECK(matches("0 17 * * sun", utc(2024, 1, 7, 17, 0)));
  CHECK(matches("0 0 * * 7", utc(2024, 1, 6)));  // Saturday
  CHECK(matches("10 7 * * mon-fri", utc(2024, 1, 5, 7, 10)));
  CHECK_FALSE(matches("10 7 * * mon-fri", utc(2024, 1, 6, 7, 10)));
}

TEST_CASE("cron: month boundaries and the leap day", "[cron]") {
  CHECK(matches("0 0 1 * *", utc(2024, 3, 1)));
  CHECK_FALSE(matches("0 0 1 * *", utc(2024, 2, 29, 23, 59)));
  CHECK(matches("59 23 31 12 *", utc(2023, 12, 31, 23, 59)));
  CHECK(matches("0 0 1 1 *", utc(2024, 1, 1)));
  CHECK(matches("0 12 29 2 *", utc(2024, 2, 29, 12, 0)));
  CHECK_FALSE(matches("0 12 29 2 *", utc(2024, 3, 1, 12, 0)));
  CHECK(matches("0 0 L * *", utc(2024, 2, 29)));
  CHECK_FALSE(matches("0 0 L * *", utc(2024, 2, 28)));
  CHECK(matches("0 0 L * *", utc(2023, 2, 28)));
  CHECK(matches("0 0 L * *", utc(2100, 2, 28)));  // 2100 is not a leap year
  CHECK(matches("0 0 L * *", utc(2000, 2, 29)));  // 2000 is
  CHECK(matches("0 0 L-2 * *", utc(2024, 1, 29)));
  CHECK(matches("0 0 * jan *", utc(2024, 1, 31, 0, 0)));
  CHECK_FALSE(matches("0 0 * jan *", utc(2024, 2, 1, 0, 0)));
}

TEST_CASE("cron: W picks the nearest weekday inside the month", "[cron]") {
  CHECK(matches("0 0 15W * *", utc(2024, 6, 14)));  // the 15th is a Saturday: Friday
  CHECK_FALSE(matches("0 0 15W * *", utc(2024, 6, 15)));
  CHECK_FALSE(matches("0 0 15W * *", utc(2024, 6, 17)));
  CHECK(matches("0 0 15W * *", utc(2024, 9, 16)));  // a Sunday: Monday
  CHECK(matches("0 0 15W * *", utc(2024, 5, 15)));  // a Wednesday: itself
  CHECK(matches("0 0 1W * *", utc(2024, 6, 3)));    // Saturday the 1st: Monday the 3rd
  CHECK(matches("0 0 31W * *", utc(2024, 3, 29)));  // Sunday the 31st: Friday the 29th
  CHECK(matching_days("0 0 31W 4,5 *", utc(2024, 4, 1), utc(2024, 4, 30)).empty());
  CHECK(matches("59 23 LW * *", utc(2024, 3, 29, 23, 59)));  // month ends on a Sunday
  CHECK(matches("59 23 LW * *", utc(2024, 8, 30, 23, 59)));  // month ends on a Saturday
  CHECK(matches("59 23 LW * *", utc(2024, 1, 31, 23, 59)));  // month ends on a Wednesday
  CHECK(matches("0 0 L-3W * *", utc(2024, 1, 29)));          // the 28th is a Sunday: Monday
}

TEST_CASE("cron: nL and n#k", "[cron]") {
  CHECK(matches("0 18 * * 6L", utc(2024, 1, 26, 18, 0)));  // last Friday of January 2024
  CHECK_FALSE(matches("0 18 * * 6L", utc(2024, 1, 19, 18, 0)));
  CHECK(matches("0 0 * * 2#1", utc(2024, 1, 1)));
  CHECK_FALSE(matches("0 0 * * 2#1", utc(2024, 1, 8)));
  CHECK(matches("0 0 * * 2#2", utc(2024, 1, 8)));
  CHECK(matches("0 0 * * 2#5", utc(2024, 1, 29)));
}

TEST_CASE("cron: day-of-month and day-of-week both restricted match either", "[cron]") {
  CHECK(matches("0 0 13 * FRI", utc(2024, 1, 5)));   // a Friday, not the 13th
  CHECK(matches("0 0 13 * FRI", utc(2024, 1, 13)));  // the 13th, a Saturday
  CHECK_FALSE(matches("0 0 13 * FRI", utc(2024, 1, 14)));
  CHECK(matches("0 0 */1 * MON", utc(2024, 1, 3)));  // */1 counts as restricted
  CHECK(matches("0 0 * * MON", utc(2024, 1, 8)));
  CHECK_FALSE(matches("0 0 * * MON", utc(2024, 1, 9)));
  CHECK(matches("0 0 L * 6L", utc(2024, 1, 31)));
  CHECK(matches("0 0 L * 6L", utc(2024, 1, 26)));
}

TEST_CASE("cron: property checks over thirty years of days", "[cron]") {
  const std::int64_t first = utc(2000, 1, 1);
  const std::int64_t last = utc(2029, 12, 31);
  // LW: exactly one day a month, a weekday, with no weekday after it in the month.
  auto lw = matching_days("0 0 LW * *", first, last);
  CHECK(lw.size() == 360);
  for (const std::tm& day : lw) {
    int length = days_in_month(day.tm_year + 1900, day.tm_mon + 1);
    CHECK(day.tm_wday >= 1);
    CHECK(day.tm_wday <= 5);
    CHECK(length - day.tm_mday <= (day.tm_wday == 5 ? 2 : 0));
  }
  // 6L: one Friday a month, within the month's last seven days.
  auto last_friday = matching_days("0 0 * * 6L", first, last);
  CHECK(last_friday.size() == 360);
  for (const std::tm& day : last_friday) {
    CHECK(day.tm_wday == 5);
    CHECK(day.tm_mday + 7 > days_in_month(day.tm_year + 1900, day.tm_mon + 1));
  }
  // 4#3: the third Wednesday, days 15 to 21.
  auto third_wednesday = matching_days("0 0 * * 4#3", first, last);
  CHECK(third_wednesday.size() == 360);
  for (const std::tm& day : third_wednesday) {
    CHECK(day.tm_wday == 3);
    CHECK(day.tm_mday >= 15);
    CHECK(day.tm_mday <= 21);
  }
  // Feb 29 fires only in leap years: 2000, 2004 ... 2028.
  CHECK(matching_days("0 0 29 2 *", first, last).size() == 8);
  // Monday on the weekday field is the same days as libc's Monday.
  for (const std::tm& day : matching_days("0 0 * * MON", first, utc(2000, 12, 31)))
    CHECK(day.tm_wday == 1);
}

TEST_CASE("cron: odd instants", "[cron]") {
  CHECK(matches("59 23 * * WED", utc(1969, 12, 31, 23, 59)));  // before the epoch
  CHECK(matches("0 0 1 1 *", utc(1, 1, 1, 0, 0)));             // long before it
}
