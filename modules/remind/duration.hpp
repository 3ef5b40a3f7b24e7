// "/remind <when>": durations such as 10m, 2h, 1d, 1h30m, 2w.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace remind {

// Milliseconds for a duration made of <number><unit> parts, units w, d, h, m
// (either case), each at most once and largest first: "1h30m" yes, "30m1h"
// and "1h1h" no. std::nullopt for anything else, including an empty text, a
// zero-length part, or a number too long to be meant. Range checks (at least
// a minute, at most 365 days) are the caller's.
std::optional<std::int64_t> parse_duration(std::string_view text);

// The canonical spelling of a whole number of minutes: 90 min -> "1h30m".
std::string format_duration(std::int64_t ms);

}  // namespace remind
