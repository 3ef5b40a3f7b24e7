// remind: parsing and printing /remind durations.
#include "remind/duration.hpp"

#include <catch2/catch.hpp>

#include "remind/config.hpp"

namespace {

using remind::format_duration;
using remind::kDayMs;
using remind::kMinuteMs;
using remind::parse_duration;

constexpr std::int64_t kHourMs = 60 * kMinuteMs;

TEST_CASE("remind: durations in the forms the help shows") {
  CHECK(parse_duration("10m") == 10 * kMinuteMs);
  CHECK(parse_duration("2h") == 2 * kHourMs);
  CHECK(parse_duration("1d") == kDayMs);
  CHECK(parse_duration("1h30m") == 90 * kMinuteMs);
  CHECK(parse_duration("2w") == 14 * kDayMs);
  CHECK(parse_duration("1w2d3h4m") == 9 * kDayMs + 3 * kHourMs + 4 * kMinuteMs);
  CHECK(parse_duration("90m") == 90 * kMinuteMs);
  CHECK(parse_duration("365d") == 365 * kDayMs);
  CHECK(parse_duration("0m") == 0);  // parsed; the handler's range check refuses it
}

TEST_CASE("remind: units are case-insensitive") {
  CHECK(parse_duration("1H30M") == 90 * kMinuteMs);
  CHECK(parse_duration("2D") == 2 * kDayMs);
}

TEST_CASE("remind: malformed durations are refused") {
  for (const char* bad :
       {"",    "m",   "10",     "10x",  "10s",  "1h1h", "30m1h", "1d2w", "h1",       "1.5h",
        "-5m", "+5m", "1h 30m", " 10m", "10m ", "1hm",  "10mm",  "1h30", "1234567m", "tea"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("remind: the longest accepted numbers cannot overflow") {
  auto longest = parse_duration("999999w999999d999999h999999m");
  REQUIRE(longest.has_value());
  CHECK(*longest > 365 * kDayMs);  // refused by the range check, not wrapped around
}

TEST_CASE("remind: numbers longer than six digits are refused while they are read") {
  // Regression: the digit limit was checked after accumulating, so 20 digits
  // overflowed a signed 64-bit integer (undefined behaviour) first.
  CHECK_FALSE(parse_duration("99999999999999999999d").has_value());
  CHECK_FALSE(parse_duration("1h99999999999999999999999999999999999999m").has_value());
  CHECK_FALSE(parse_duration("0000001m").has_value());
  CHECK(parse_duration("000001m") == kMinuteMs);
}

TEST_CASE("remind: durations print canonically in days, hours and minutes") {
  CHECK(format_duration(10 * kMinuteMs) == "10m");
  CHECK(format_duration(90 * kMinuteMs) == "1h30m");
  CHECK(format_duration(2 * kHourMs) == "2h");
  CHECK(format_duration(14 * kDayMs) == "14d");
  CHECK(format_duration(kDayMs + 1 * kMinuteMs) == "1d1m");
  CHECK(format_duration(0) == "0m");
}

}  // namespace
