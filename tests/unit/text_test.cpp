// miti/text.hpp: the text helpers modules share.
#include "miti/text.hpp"

#include <catch2/catch.hpp>

TEST_CASE("trim removes surrounding spaces, tabs and line breaks only", "[text]") {
  CHECK(miti::trim("") == "");
  CHECK(miti::trim(" \t\r\n") == "");
  CHECK(miti::trim("\t a b \r\n") == "a b");
  CHECK(miti::trim("ü") == "ü");
}

TEST_CASE("parse_id accepts 12 and #12 up to 2^53 - 1, nothing else", "[text]") {
  CHECK(miti::parse_id("12") == 12);
  CHECK(miti::parse_id(" #12\n") == 12);
  CHECK(miti::parse_id("9007199254740991") == 9007199254740991);
  CHECK_FALSE(miti::parse_id("9007199254740992"));
  CHECK_FALSE(miti::parse_id("99999999999999999999"));
  for (const char* bad : {"", "#", "0", "-3", "abc", "12 13", "1e3", "+5", "##1"}) {
    CHECK_FALSE(miti::parse_id(bad));
  }
}

TEST_CASE("split_words splits on any whitespace and drops empty words", "[text]") {
  CHECK(miti::split_words("  a\tb\r\nc  ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(miti::split_words(" \n ").empty());
}
