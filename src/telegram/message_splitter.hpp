// Splits long message text into pieces Telegram accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace miti::telegram {

// Pieces of at most `max_units` UTF-16 code units each, cut at the last line
// break, else the last space, else a code point boundary. Never splits a
// UTF-8 sequence. No piece is empty, except the one piece of an empty text.
// A limit smaller than a character (0 or 1) gives that character a piece.
std::vector<std::string> split_message(std::string_view text, std::size_t max_units);

}  // namespace miti::telegram
