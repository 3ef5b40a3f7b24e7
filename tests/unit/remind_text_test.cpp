// remind: escaping, previews, UTF-16 lengths and the time format.
#include <catch2/catch.hpp>
#include <string>

#include "remind/text.hpp"

namespace {

using namespace remind;

TEST_CASE("remind: HTML escaping covers what Telegram's HTML mode parses") {
  CHECK(escape_html("a < b && c > \"d\"") == "a &lt; b &amp;&amp; c &gt; &quot;d&quot;");
  CHECK(escape_html("<b>bold</b>") == "&lt;b&gt;bold&lt;/b&gt;");
  CHECK(escape_html("plain ünïcode ⏰") == "plain ünïcode ⏰");
}

TEST_CASE("remind: UTF-16 length counts astral characters twice") {
  CHECK(miti::utf16_length("") == 0);
  CHECK(miti::utf16_length("abc") == 3);
  CHECK(miti::utf16_length("ü") == 1);
  CHECK(miti::utf16_length("⏰") == 1);
  CHECK(miti::utf16_length("😀") == 2);
  CHECK(miti::utf16_length("a😀b") == 4);
}

TEST_CASE("remind: previews are one line and cut at a code point") {
  CHECK(preview("short", 80) == "short");
  CHECK(preview("two\nlines\r\nand\ttab", 80) == "two lines  and tab");
  CHECK(preview("abcdef", 3) == "abc…");
  CHECK(preview("abc", 3) == "abc");
  CHECK(preview("üüüü", 2) == "üü…");
  CHECK(preview("😀😀😀", 1) == "😀…");
}

TEST_CASE("remind: times are UTC ISO to the second") {
  CHECK(utc_seconds(0) == "1970-01-01T00:00:00Z");
  CHECK(utc_seconds(1'777'629'600'000) == "2026-05-01T10:00:00Z");
  CHECK(utc_seconds(1'777'629'600'999) == "2026-05-01T10:00:00Z");
}

TEST_CASE("remind: trim removes spaces and line breaks at both ends") {
  CHECK(trim("  tea \n") == "tea");
  CHECK(trim("\t\r\n ") == "");
  CHECK(trim("a b") == "a b");
}

}  // namespace
