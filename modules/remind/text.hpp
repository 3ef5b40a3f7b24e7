// Text helpers for remind's messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <miti/text.hpp>
#include <string>
#include <string_view>

namespace remind {

using miti::escape_html;
using miti::preview;

// escape_html, utf16_length and preview come from <miti/text.hpp>.

// "2026-05-01T10:00:00Z": UTC, to the second (the cron runs per minute, so
// milliseconds would only be noise).
std::string utc_seconds(std::int64_t epoch_ms);

// Leading and trailing spaces, tabs and line breaks removed.
std::string_view trim(std::string_view text);

}  // namespace remind
