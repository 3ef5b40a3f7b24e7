// Text helpers for remind's messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace remind {

// For parse_mode HTML: & < > " become entities.
std::string escape_html(std::string_view text);

// Length in UTF-16 code units, the unit of Telegram's 4,096 limit.
std::size_t utf16_units(std::string_view utf8);

// A one-line preview for lists: line breaks become spaces, and text longer
// than max_code_points is cut at a code point boundary and ends with "…".
std::string preview(std::string_view text, std::size_t max_code_points);

// "2026-05-01T10:00:00Z": UTC, to the second (the cron runs per minute, so
// milliseconds would only be noise).
std::string utc_seconds(std::int64_t epoch_ms);

// Leading and trailing spaces, tabs and line breaks removed.
std::string_view trim(std::string_view text);

}  // namespace remind
