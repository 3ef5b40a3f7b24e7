// split_message: pieces of at most 4096 UTF-16 units, cut at a line break,
// else a space, else a code point boundary, and nothing lost on the way.
#include "telegram/message_splitter.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "telegram/command_parser.hpp"

namespace {

using miti::telegram::split_message;
using miti::telegram::utf16_length;

constexpr std::size_t kMax = 4096;

std::string repeat(std::string_view unit, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// The pieces, in order, are the text with at most one separator (a line
// break or a space) dropped at each cut.
bool reassembles(std::string_view text, const std::vector<std::string>& pieces) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (text.substr(at, pieces[i].size()) != pieces[i]) return false;
    at += pieces[i].size();
    if (i + 1 < pieces.size() && at < text.size() && (text[at] == '\n' || text[at] == ' ')) ++at;
  }
  return at == text.size();
}

void check_pieces(std::string_view text, const std::vector<std::string>& pieces) {
  REQUIRE_FALSE(pieces.empty());
  for (const std::string& piece : pieces) {
    CHECK(utf16_length(piece) <= kMax);
    CHECK(valid_utf8(piece));
  }
  CHECK(reassembles(text, pieces));
}

}  // namespace

TEST_CASE("short text is one unchanged piece", "[message_splitter]") {
  CHECK(split_message("hello", kMax) == std::vector<std::string>{"hello"});
  CHECK(split_message("", kMax) == std::vector<std::string>{""});
  std::string exactly = repeat("a", kMax);
  CHECK(split_message(exactly, kMax) == std::vector<std::string>{exactly});
}

TEST_CASE("text without separators is cut hard at the limit", "[message_splitter]") {
  std::string text = repeat("a", 5000);
  auto pieces = split_message(text, kMax);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0].size() == kMax);
  CHECK(pieces[1].size() == 5000 - kMax);
  check_pieces(text, pieces);
}

TEST_CASE("cuts prefer the last line break", "[message_splitter]") {
  // Lines of 99 characters plus '\n', with spaces inside so a space is nearer.
  std::string line = repeat("word ", 19) + "abcd";  // 99 characters
  std::string text;
  for (int i = 0; i < 100; ++i) text += line + "\n";  // 10,000 characters
  auto pieces = split_message(text, kMax);
  REQUIRE(pieces.size() == 3);
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    // Every piece but the last is made of whole lines.
    CHECK(pieces[i].size() % 100 == 99);
    CHECK(pieces[i].substr(pieces[i].size() - 4) == "abcd");
  }
  check_pieces(text, pieces);
}

TEST_CASE("without line breaks, cuts fall on the last space", "[message_splitter]") {
  std::string text = repeat("abcdefghi ", 1000);  // 10,000 characters
  auto pieces = split_message(text, kMax);
  REQUIRE(pieces.size() == 3);
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    CHECK(pieces[i].back() == 'i');
    CHECK(pieces[i].front() == 'a');
  }
  check_pieces(text, pieces);
}

TEST_CASE("multi-byte text is cut at code points, counted in UTF-16", "[message_splitter]") {
  SECTION("Cyrillic: 2 bytes, 1 unit each") {
    std::string text = repeat("ж", 5000);
    auto pieces = split_message(text, kMax);
    REQUIRE(pieces.size() == 2);
    CHECK(utf16_length(pieces[0]) == kMax);  // counted in units, not bytes
    check_pieces(text, pieces);
  }
  SECTION("emoji only: 4 bytes, 2 units each") {
    std::string text = repeat("😀", 3000);
    auto pieces = split_message(text, kMax);
    REQUIRE(pieces.size() == 2);
    CHECK(utf16_length(pieces[0]) == kMax);
    check_pieces(text, pieces);
  }
  SECTION("mixed scripts with spaces") {
    std::string text = repeat("привет 😀 €uro ", 800);
    check_pieces(text, split_message(text, kMax));
  }
}

TEST_CASE("a surrogate pair straddling the limit moves to the next piece", "[message_splitter]") {
  // One ASCII letter shifts every emoji by one unit, so unit 4096 is the first
  // half of an emoji; taking the whole emoji would make a 4097-unit piece,
  // which Telegram rejects.
  std::string text = "a" + repeat("😀", 3000);
  auto pieces = split_message(text, kMax);
  for (const std::string& piece : pieces) CHECK(utf16_length(piece) <= kMax);
  CHECK(reassembles(text, pieces));
}

TEST_CASE("a line break at the very start does not yield an empty piece", "[message_splitter]") {
  std::string text = "\n" + repeat("x", 5000);
  auto pieces = split_message(text, kMax);
  for (const std::string& piece : pieces) CHECK_FALSE(piece.empty());
  check_pieces(text, pieces);
}

TEST_CASE("a small limit splits many times and loses nothing", "[message_splitter]") {
  std::string text = "one two\nthree four five\nsix seven eight nine ten";
  auto pieces = split_message(text, 10);
  for (const std::string& piece : pieces) CHECK(utf16_length(piece) <= 10);
  CHECK(reassembles(text, pieces));
  CHECK(pieces.front() == "one two");
}
