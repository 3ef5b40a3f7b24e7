// The text side of the notes module: argument parsing and HTML rendering,
// kept apart from the handlers so the rules are in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notes_module {

inline constexpr int kDefaultCount = 10;
inline constexpr int kMaxCount = 50;
// A listed note shows at most this many characters, so that a list of 50
// stays a handful of messages and a cut between messages lands between notes.
inline constexpr std::size_t kPreviewCodePoints = 200;

// "/notes [n]": empty -> 10; an integer -> clamped to 1..50; anything else -> nullopt.
std::optional<int> parse_count(std::string_view args);
// "/forget <id>" is parsed by miti::parse_id ("12" or "#12").

// One list line: "<code>#12</code> escaped one-line preview" (miti::preview).
std::string list_line(std::int64_t id, std::string_view text);

}  // namespace notes_module
