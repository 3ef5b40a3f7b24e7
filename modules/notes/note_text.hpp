// The text side of the notes module: argument parsing, limits and HTML
// rendering, kept apart from the handlers so the rules are in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notes_module {

inline constexpr int kDefaultCount = 10;
inline constexpr int kMaxCount = 50;
// A listed note shows at most this many characters, so that a list of 50
// stays a handful of messages and a cut between messages lands between notes.
inline constexpr std::size_t kPreviewCodePoints = 200;
// Per owner: how many notes, and how long each (in characters), so that one
// person cannot fill the bot's database.
inline constexpr int kMaxNotesPerOwner = 200;
inline constexpr std::size_t kMaxNoteCodePoints = 1000;
// How long /note waits for the text when it was not given.
inline constexpr std::int64_t kAskTimeoutMs = std::int64_t{5} * 60'000;

inline constexpr const char* kNoteUsage = "Usage: /note <text> (or /note alone, then the text)";
inline constexpr const char* kNotesUsage =
    "Usage: /notes [n] (how many of your newest notes, 1..50, default 10)";
inline constexpr const char* kForgetUsage =
    "Usage: /forget <id> (the number /notes shows, e.g. /forget 12)";

// "/notes [n]": empty -> 10; an integer -> clamped to 1..50; anything else -> nullopt.
std::optional<int> parse_count(std::string_view args);
// "/forget <id>" is parsed by miti::parse_id ("12" or "#12").

// One list line: "<code>#12</code> escaped one-line preview" (miti::preview).
std::string list_line(std::int64_t id, std::string_view text);

// Why a note cannot be saved (too long), or nullopt.
std::optional<std::string> note_problem(std::string_view text);

// The payload of a 🗑 button: the note and the length of the list it is in
// ("12:10"), so the list can be redrawn after the delete.
std::string delete_payload(std::int64_t id, int count);
struct DeletePayload {
  std::int64_t id = 0;
  int count = kDefaultCount;
};
std::optional<DeletePayload> parse_delete_payload(std::string_view payload);

}  // namespace notes_module
