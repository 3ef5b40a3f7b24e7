// remind: the time format of its messages. The shared helpers it uses
// (escape_html, preview, utf16_length, trim) are tested in text_test.cpp.
#include "remind/text.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {

using namespace remind;

TEST_CASE("remind: times are UTC ISO to the second") {
  CHECK(utc_seconds(0) == "1970-01-01T00:00:00Z");
  CHECK(utc_seconds(1'777'629'600'000) == "2026-05-01T10:00:00Z");
  CHECK(utc_seconds(1'777'629'600'999) == "2026-05-01T10:00:00Z");
}

TEST_CASE("remind: a snooze answer shows the UTC time of day to the minute") {
  CHECK(utc_hours_minutes(0) == "00:00");
  CHECK(utc_hours_minutes(1'777'629'600'000 + std::int64_t{10} * 60'000 + 59'999) == "10:10");
  CHECK(utc_hours_minutes(1'777'593'599'000) == "23:59");
}

}  // namespace
