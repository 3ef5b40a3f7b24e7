// iso8601_utc: proleptic Gregorian UTC with milliseconds, also before 1970.
#include "miti/time.hpp"

#include <catch2/catch.hpp>

using miti::iso8601_utc;

TEST_CASE("the epoch and ordinary instants", "[time]") {
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601_utc(1795757400123) == "2026-11-27T05:30:00.123Z");
  CHECK(iso8601_utc(86'400'000 - 1) == "1970-01-01T23:59:59.999Z");
}

TEST_CASE("leap days and century rules", "[time]") {
  CHECK(iso8601_utc(1709164800000) == "2024-02-29T00:00:00.000Z");
  CHECK(iso8601_utc(1709251199999) == "2024-02-29T23:59:59.999Z");
  CHECK(iso8601_utc(1709251200000) == "2024-03-01T00:00:00.000Z");
  CHECK(iso8601_utc(951782400000) == "2000-02-29T00:00:00.000Z");   // divisible by 400
  CHECK(iso8601_utc(4107542400000) == "2100-03-01T00:00:00.000Z");  // 2100 is not leap
  CHECK(iso8601_utc(253402300799999) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("negative instants count back from the epoch", "[time]") {
  CHECK(iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(iso8601_utc(-86'400'000) == "1969-12-31T00:00:00.000Z");
  CHECK(iso8601_utc(-86'400'001) == "1969-12-30T23:59:59.999Z");
  CHECK(iso8601_utc(-2208988800000) == "1900-01-01T00:00:00.000Z");
  CHECK(iso8601_utc(-62135596800000) == "0001-01-01T00:00:00.000Z");
}
