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

TEST_CASE("escape_html covers what Telegram's HTML mode parses", "[text]") {
  CHECK(miti::escape_html("a < b && c > \"d\"") == "a &lt; b &amp;&amp; c &gt; &quot;d&quot;");
  CHECK(miti::escape_html("<b>bold</b>") == "&lt;b&gt;bold&lt;/b&gt;");
  CHECK(miti::escape_html("plain ünïcode ⏰") == "plain ünïcode ⏰");
}

TEST_CASE("utf16_length counts astral characters twice", "[text]") {
  CHECK(miti::utf16_length("") == 0);
  CHECK(miti::utf16_length("abc") == 3);
  CHECK(miti::utf16_length("ü") == 1);
  CHECK(miti::utf16_length("⏰") == 1);
  CHECK(miti::utf16_length("😀") == 2);
  CHECK(miti::utf16_length("a😀b") == 4);
}

TEST_CASE("preview is one line and cuts at a code point", "[text]") {
  CHECK(miti::preview("short", 80) == "short");
  CHECK(miti::preview("two\nlines\r\nand\ttab", 80) == "two lines  and tab");
  CHECK(miti::preview("abcdef", 3) == "abc…");
  CHECK(miti::preview("abc", 3) == "abc");
  CHECK(miti::preview("üüüü", 2) == "üü…");
  CHECK(miti::preview("😀😀😀", 1) == "😀…");
}

TEST_CASE("trim removes spaces and line breaks at both ends, keeps inner ones", "[text]") {
  CHECK(miti::trim("  tea \n") == "tea");
  CHECK(miti::trim("\t\r\n ") == "");
  CHECK(miti::trim("a b") == "a b");
}
