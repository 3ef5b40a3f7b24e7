// Splits long message text into pieces Telegram accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace miti::telegram {

// Pieces of at most `max_units` UTF-16 code units each, cut at the last line
// break, else the last space, else a code point boundary. Never splits a
// UTF-8 sequence. Empty text gives one empty piece.
std::vector<std::string> split_message(std::string_view text, std::size_t max_units);

}  // namespace miti::telegram
