// The message splitter (src/telegram/message_splitter.cpp) and the text helpers it and the
// modules rely on (src/util/text.cpp, utf8_prefix_bytes).
//
// Input: two bytes choosing the limit in UTF-16 units (0-511), then the text. Properties:
// * split_message: at least one piece; no empty piece unless the text is empty; the pieces in
//   order are the text with at most one separator (line break or space) dropped at each cut;
//   a piece holding a line break after its start was cut at a line break, one holding a space
//   at a separator; a cut without a separator is as late as the limit allows.
//   For valid UTF-8: no piece exceeds the limit in UTF-16 units (but for a single character
//   when the limit is below one, 0 or 1) and every piece is valid UTF-8 (no sequence split).
//   Limits 0 and 1 used to loop forever; a text ending in a separator just after a cut used to
//   end with an empty piece.
// * utf16_length agrees with decoding; utf8_prefix_bytes is the longest prefix within the
//   units, at a code point boundary.
// * trim, parse_id, escape_html, preview, split_words keep their documented promises.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "miti/text.hpp"
#include "telegram/command_parser.hpp"
#include "telegram/message_splitter.hpp"

namespace {

using miti_fuzz::at_code_point_boundary;
using miti_fuzz::valid_utf8;

constexpr std::string_view kSpaces = " \t\r\n";

bool is_space(char c) {
  return kSpaces.find(c) != std::string_view::npos;
}

std::size_t next_code_point_bytes(std::string_view text, std::size_t at) {
  std::size_t end = at + 1;
  while (end < text.size() && !at_code_point_boundary(text, end)) ++end;
  return end - at;
}

void check_split(std::string_view text, std::size_t max_units) {
  const std::vector<std::string> pieces = miti::telegram::split_message(text, max_units);
  FUZZ_CHECK(!pieces.empty(), "no pieces");
  const bool strict = valid_utf8(text);
  std::size_t at = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const std::string& piece = pieces[i];
    const bool last = i + 1 == pieces.size();
    FUZZ_CHECK(!piece.empty() || text.empty(), "an empty piece (Telegram refuses empty text)");
    FUZZ_CHECK(text.substr(at, piece.size()) == piece, "a piece is not the next part of the text");
    at += piece.size();
    if (strict) {
      // Only a limit below one character (0, or 1 for an astral one) lets it through alone.
      FUZZ_CHECK(miti::utf16_length(piece) <= max_units ||
                     (max_units < 2 && next_code_point_bytes(piece, 0) == piece.size()),
                 "a piece exceeds the limit");
      FUZZ_CHECK(valid_utf8(piece), "a piece splits a UTF-8 sequence");
    }
    if (last) break;
    FUZZ_CHECK(at < text.size(), "a piece after the end of the text");
    const char separator = text[at] == '\n' || text[at] == ' ' ? text[at] : '\0';
    if (separator != '\0') ++at;  // dropped at the cut
    // Line breaks first, then spaces: a piece holding one after its first byte was cut at one.
    if (piece.find('\n', 1) != std::string::npos) {
      FUZZ_CHECK(separator == '\n', "a piece was cut elsewhere than at its last line break");
    }
    if (piece.find(' ', 1) != std::string::npos) {
      FUZZ_CHECK(separator != '\0', "a piece holding a space was cut without a separator");
    }
    if (strict && separator == '\0') {  // a hard cut takes all the limit allows
      const std::size_t next = next_code_point_bytes(text, at);
      FUZZ_CHECK(
          miti::utf16_length(text.substr(at - piece.size(), piece.size() + next)) > max_units,
          "a hard cut earlier than the limit");
    }
  }
  // The last cut may have dropped a separator that ended the text.
  if (at + 1 == text.size() && (text[at] == '\n' || text[at] == ' ') &&
      miti::utf16_length(text) > max_units) {
    ++at;
  }
  FUZZ_CHECK(at == text.size(), "the pieces lose text");
}

void check_utf16(std::string_view text, std::int64_t units) {
  const std::size_t bytes = miti::telegram::utf8_prefix_bytes(text, units);
  FUZZ_CHECK(bytes <= text.size(), "utf8_prefix_bytes past the end");
  if (units <= 0) FUZZ_CHECK(bytes == 0, "a prefix of no units is not empty");
  if (!valid_utf8(text)) return;
  FUZZ_CHECK(miti::utf16_length(text) == miti_fuzz::utf16_units_by_decoding(text),
             "utf16_length disagrees with decoding");
  FUZZ_CHECK(at_code_point_boundary(text, bytes), "utf8_prefix_bytes splits a code point");
  const std::size_t prefix_units = miti::utf16_length(text.substr(0, bytes));
  FUZZ_CHECK(static_cast<std::int64_t>(prefix_units) <= std::max<std::int64_t>(units, 0),
             "utf8_prefix_bytes exceeds the units");
  if (bytes < text.size()) {
    const std::size_t more = next_code_point_bytes(text, bytes);
    FUZZ_CHECK(static_cast<std::int64_t>(miti::utf16_length(text.substr(0, bytes + more))) > units,
               "utf8_prefix_bytes is not the longest prefix");
  }
}

void check_text_helpers(std::string_view text, std::size_t n) {
  // trim
  const std::string_view trimmed = miti::trim(text);
  if (!trimmed.empty()) {
    FUZZ_CHECK(!is_space(trimmed.front()) && !is_space(trimmed.back()), "trim leaves spaces");
    const std::size_t start = static_cast<std::size_t>(trimmed.data() - text.data());
    FUZZ_CHECK(start <= text.size() && text.substr(start, trimmed.size()) == trimmed,
               "trim returns text from elsewhere");
    const std::string_view before = text.substr(0, start);
    const std::string_view after = text.substr(start + trimmed.size());
    FUZZ_CHECK(std::all_of(before.begin(), before.end(), is_space) &&
                   std::all_of(after.begin(), after.end(), is_space),
               "trim drops more than spaces");
  } else {
    FUZZ_CHECK(std::all_of(text.begin(), text.end(), is_space), "trim drops text");
  }

  // parse_id: "12" or "#12", 1 to 2^53-1, surrounding spaces allowed.
  std::string_view digits = trimmed;
  if (digits.starts_with('#')) digits.remove_prefix(1);
  const bool all_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  const auto id = miti::parse_id(text);
  if (id) {
    FUZZ_CHECK(*id >= 1 && *id <= (std::int64_t{1} << 53) - 1, "parse_id out of range");
    FUZZ_CHECK(all_digits, "parse_id accepts something other than digits");
    const std::string_view significant =
        digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
    FUZZ_CHECK(std::to_string(*id) == significant, "parse_id reads another number");
  } else if (all_digits && digits.size() <= 15) {
    FUZZ_CHECK(digits.find_first_not_of('0') == std::string_view::npos,
               "parse_id refuses a valid id");
  }

  // escape_html: nothing left that HTML parse mode would read, and reversible.
  const std::string escaped = miti::escape_html(text);
  FUZZ_CHECK(escaped.find_first_of("<>\"") == std::string::npos, "escape_html leaves markup");
  std::string unescaped;
  for (std::size_t i = 0; i < escaped.size();) {
    if (escaped[i] != '&') {
      unescaped += escaped[i++];
      continue;
    }
    bool known = false;
    for (auto [entity, plain] :
         {std::pair{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}}) {
      if (std::string_view(escaped).substr(i).starts_with(entity)) {
        unescaped += plain;
        i += std::string_view(entity).size();
        known = true;
        break;
      }
    }
    FUZZ_CHECK(known, "escape_html leaves a bare &");
  }
  FUZZ_CHECK(unescaped == text, "escape_html loses text");

  // preview: one line, at most n code points plus an ellipsis, a prefix of the text otherwise.
  const std::string shown = miti::preview(text, n);
  FUZZ_CHECK(shown.find_first_of("\n\r\t") == std::string::npos, "preview is not one line");
  if (valid_utf8(text)) {
    FUZZ_CHECK(valid_utf8(shown), "preview cuts a code point");
    std::string expected;
    std::size_t code_points = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (at_code_point_boundary(text, i) && code_points++ == n) {
        expected += "\u2026";
        break;
      }
      expected += text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    }
    FUZZ_CHECK(shown == expected, "preview is not the first code points and an ellipsis");
  }

  // split_words: the non-space runs, in order.
  std::string joined;
  for (const std::string& word : miti::split_words(text)) {
    FUZZ_CHECK(!word.empty() && std::none_of(word.begin(), word.end(), is_space),
               "split_words returns an empty word or one holding spaces");
    joined += word;
  }
  std::string no_spaces(text);
  std::erase_if(no_spaces, is_space);
  FUZZ_CHECK(joined == no_spaces, "split_words loses or adds text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_units = (data[0] | (data[1] << 8)) % 512;
  const std::string_view text = miti_fuzz::as_text(data + 2, size - 2);
  check_split(text, max_units);
  check_utf16(text, static_cast<std::int64_t>(max_units) - 8);
  check_text_helpers(text, max_units % 64);
  return 0;
}
