// The time format of remind's messages; escape_html, preview, trim and the
// rest come from <miti/text.hpp>.
#pragma once

#include <cstdint>
#include <string>

namespace remind {

// "2026-05-01T10:00:00Z": UTC, to the second (the cron runs per minute, so
// milliseconds would only be noise).
std::string utc_seconds(std::int64_t epoch_ms);

// "10:00": the UTC time of day, to the minute (what a snooze answer shows).
std::string utc_hours_minutes(std::int64_t epoch_ms);

}  // namespace remind
