// Regressions found by the fuzz targets (tests/fuzz, docs/fuzzing.md). The fuzz check in
// `npm test` replays the same inputs from the committed corpus (tests/fuzz/corpus/<target>/
// regression-*) under ASan and UBSan; these tests state the fixed behaviour in plain terms.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "remind/duration.hpp"
#include "telegram/message_splitter.hpp"

namespace {

using miti::telegram::split_message;
using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("fuzz: a duration number longer than six digits is refused before it can overflow",
          "[fuzz][remind]") {
  // `/remind 99999999999999999999d x` once multiplied all 20 digits into an int64 before the
  // six-digit limit was checked. The result was refused all the same, so only UBSan (the fuzz
  // check) sees the difference; here the refusals are pinned down.
  CHECK_FALSE(remind::parse_duration("99999999999999999999d").has_value());
  CHECK_FALSE(remind::parse_duration("1w99999999999999999999m").has_value());
  CHECK_FALSE(remind::parse_duration(std::string(1000, '9') + "m").has_value());
  CHECK_FALSE(remind::parse_duration("1234567m").has_value());
  CHECK(remind::parse_duration("123456m") == 123456 * std::int64_t{60'000});
}

TEST_CASE("fuzz: split_message never ends with an empty piece", "[fuzz][message_splitter]") {
  // A text one separator longer than the limit used to end with "" (Telegram refuses empty
  // messages): the separator was dropped at the cut and nothing was left.
  CHECK(split_message("aaa\n", 3) == Pieces{"aaa"});
  CHECK(split_message("aaa ", 3) == Pieces{"aaa"});
  const std::string full(4096, 'a');
  CHECK(split_message(full + "\n", 4096) == Pieces{full});
  CHECK(split_message("", 4096) == Pieces{""});  // the one piece of an empty text
}

TEST_CASE("fuzz: split_message with a limit below one character ends", "[fuzz][message_splitter]") {
  // Limits 0 and 1 (before an astral character, two UTF-16 units) used to cut nothing off and
  // loop forever, growing the list of pieces until memory ran out.
  CHECK(split_message("ab", 0) == Pieces{"a", "b"});
  CHECK(split_message("a b", 0) == Pieces{"a", "b"});
  CHECK(split_message("\xF0\x9F\x98\x80x", 1) == Pieces{"\xF0\x9F\x98\x80", "x"});
  CHECK(split_message("\xD0\xB6\xF0\x9F\x98\x80", 1) == Pieces{"\xD0\xB6", "\xF0\x9F\x98\x80"});
}
