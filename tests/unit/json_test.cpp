// miti::Json: parsing (strict RFC 8259, with clear errors), building,
// reading, and dumping (always valid UTF-8).
#include "miti/json.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "miti/fields.hpp"

using Catch::Matchers::Contains;
using miti::Json;
using miti::JsonError;

TEST_CASE("json: braced lists of string-keyed pairs are objects, others arrays", "[json]") {
  Json object = {{"a", 1}, {"b", "x"}};
  CHECK(object.is_object());
  CHECK(object.size() == 2);
  CHECK(object.at("a") == 1);
  CHECK(object.at("b") == "x");

  Json array = {1, "two", nullptr};
  CHECK(array.is_array());
  CHECK(array.size() == 3);
  CHECK(array[1] == "two");

  Json pair_of_numbers = {1, 2};
  CHECK(pair_of_numbers.is_array());
  CHECK(Json::array({{"a", 1}}).is_array());  // explicit array of one pair
  CHECK(Json::array({{"a", 1}})[0].is_array());
  CHECK(Json().is_null());
  CHECK(Json::object().is_object());
  CHECK(Json::object().empty());
}

TEST_CASE("json: objects keep insertion order and dump compactly", "[json]") {
  Json json = {{"z", 1}, {"a", true}};
  json["m"] = Json::array({1.5, "s"});
  CHECK(json.dump() == R"({"z":1,"a":true,"m":[1.5,"s"]})");
  CHECK(json.dump(2) == "{\n  \"z\": 1,\n  \"a\": true,\n  \"m\": [\n    1.5,\n    \"s\"\n  ]\n}");
  CHECK(Json::object().dump(2) == "{}");
}

TEST_CASE("json: parse reads every kind of value", "[json]") {
  Json json = Json::parse(
      R"( {"n": null, "t": true, "f": false, "i": -42, "big": 9007199254740993,
           "r": 2.5e3, "s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "a": [], "o": {}} )");
  CHECK(json.at("n").is_null());
  CHECK(json.at("t").as_bool());
  CHECK_FALSE(json.at("f").as_bool());
  CHECK(json.at("i").as_integer() == -42);
  CHECK(json.at("big").as_integer() == 9007199254740993);  // exact beyond 2^53
  CHECK(json.at("r").is_real());
  CHECK(json.at("r").as_number() == 2500.0);
  CHECK(json.at("s").as_string() == "a\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(json.at("a").is_array());
  CHECK(json.at("o").is_object());
}

TEST_CASE("json: an object that repeats a member name is refused, small or large", "[json]") {
  // Found by the update fuzz target: with the name twice, parse(dump(x)) != x.
  CHECK_FALSE(miti::Json::try_parse(R"({"a":1,"b":2,"a":3})").has_value());
  CHECK_FALSE(miti::Json::try_parse(R"({"m":{"x":1,"x":1}})").has_value());
  std::string large = "{";
  for (int i = 0; i < 100; ++i)
    large += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  CHECK(miti::Json::try_parse(large.substr(0, large.size() - 1) + "}").has_value());
  CHECK_FALSE(miti::Json::try_parse(large + "\"k57\":0}").has_value());
  CHECK(miti::Json::try_parse(R"([{"a":1},{"a":2}])").has_value());
}

TEST_CASE("json: integers beyond int64 become reals; int64's extremes stay exact", "[json]") {
  CHECK(Json::parse("9223372036854775807").as_integer() == INT64_MAX);
  CHECK(Json::parse("-9223372036854775808").as_integer() == INT64_MIN);
  Json huge = Json::parse("18446744073709551616");
  CHECK(huge.is_real());
  CHECK(huge.as_number() == 18446744073709551616.0);
  CHECK(std::isinf(Json::parse("1e400").as_number()));
}

TEST_CASE("json: malformed text is refused with the offset", "[json]") {
  for (const char* bad : {"",
                          " ",
                          "{",
                          "[1,]",
                          "{\"a\" 1}",
                          "{\"a\":1,}",
                          "01",
                          "1.",
                          "-",
                          ".5",
                          "tru",
                          "nul",
                          "\"unterminated",
                          "\"tab\tinside\"",
                          "\"\\x\"",
                          "\"\\u12\"",
                          "[1] 2",
                          "{'a':1}",
                          "NaN",
                          "+1",
                          "1e"}) {
    INFO(bad);
    CHECK_FALSE(Json::try_parse(bad).has_value());
    CHECK_THROWS_AS(Json::parse(bad), JsonError);
  }
  CHECK_THROWS_WITH(Json::parse("[1, x]"), Contains("at byte 4"));
}

TEST_CASE("json: strings must be valid UTF-8; lone surrogate escapes become U+FFFD", "[json]") {
  CHECK_FALSE(Json::try_parse("\"\xFF\"").has_value());
  CHECK_FALSE(Json::try_parse("\"\xC0\xAF\"").has_value());      // overlong '/'
  CHECK_FALSE(Json::try_parse("\"\xED\xA0\x80\"").has_value());  // a UTF-16 surrogate
  CHECK_FALSE(Json::try_parse("\"\xE2\x82\"").has_value());      // truncated
  CHECK(Json::parse(R"("\ud800x")").as_string() == "\xEF\xBF\xBDx");
  CHECK(Json::parse(R"("\udc00")").as_string() == "\xEF\xBF\xBD");
  CHECK(Json::parse(R"("\ud800\u0041")").as_string() ==
        "\xEF\xBF\xBD"
        "A");
}

TEST_CASE("json: nesting deeper than kMaxDepth is refused, not a stack overflow", "[json]") {
  std::string deep(100'000, '[');
  CHECK_FALSE(Json::try_parse(deep).has_value());
  std::string ok(Json::kMaxDepth, '[');
  ok += std::string(Json::kMaxDepth, ']');
  CHECK(Json::try_parse(ok).has_value());
  std::string too_deep(Json::kMaxDepth + 1, '[');
  too_deep += std::string(Json::kMaxDepth + 1, ']');
  CHECK_FALSE(Json::try_parse(too_deep).has_value());
}

TEST_CASE("json: dump escapes what JSON needs and replaces invalid UTF-8", "[json]") {
  CHECK(Json("a\"b\\c\n\x01").dump() == R"("a\"b\\c\n\u0001")");
  CHECK(Json("\xC3\xA9").dump() == "\"\xC3\xA9\"");
  CHECK(Json("a\xFF"
             "b")
            .dump() ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  CHECK(Json(std::string("\0x", 2)).dump() == R"("\u0000x")");
}

TEST_CASE("json: numbers dump as JavaScript writes them", "[json]") {
  CHECK(Json(0).dump() == "0");
  CHECK(Json(-7).dump() == "-7");
  CHECK(Json(INT64_MIN).dump() == "-9223372036854775808");
  CHECK(Json(0.1).dump() == "0.1");
  CHECK(Json(1e300).dump() == "1e+300");
  CHECK(Json(std::nan("")).dump() == "null");
  CHECK(Json(INFINITY).dump() == "null");
  CHECK(Json::parse(Json(0.1 + 0.2).dump()).as_number() == 0.1 + 0.2);  // round trip
}

TEST_CASE("json: reading a value as the wrong type names both types", "[json]") {
  Json json = {{"n", "12"}};
  CHECK_THROWS_WITH(json.at("n").as_integer(), "expected an integer, got a string");
  CHECK_THROWS_WITH(json.at("missing"), "no member 'missing'");
  CHECK_THROWS_WITH(Json(3).as_string(), "expected a string, got an integer");
  CHECK(json.value("n", std::string("x")) == "12");
  CHECK(json.value("n", 5) == 5);  // wrong type: the fallback
  CHECK(json.value("missing", "fallback") == "fallback");
  CHECK(Json(3.0).as_integer() == 3);  // JS numbers that are whole
  CHECK_THROWS_AS(Json(3.5).as_integer(), JsonError);
  CHECK(json["missing"].is_null());  // const access never inserts
  CHECK(std::as_const(json)["n"] == "12");
}

TEST_CASE("json: building, erasing and comparing", "[json]") {
  Json json;
  json["a"]["b"] = 1;  // null becomes an object on demand
  json["list"].push_back(1);
  json["list"].push_back("x");
  CHECK(json.dump() == R"({"a":{"b":1},"list":[1,"x"]})");
  CHECK(json.erase("a"));
  CHECK_FALSE(json.erase("a"));
  CHECK(json == Json::parse(R"({"list":[1,"x"]})"));
  CHECK(Json::parse(R"({"a":1,"b":2})") == Json::parse(R"({"b":2,"a":1})"));
  CHECK(Json(1) == Json(1.0));
  CHECK_FALSE(Json(1) == Json("1"));
  CHECK_THROWS_AS(json.at(5), JsonError);
  int sum = 0;
  for (const Json& item : Json{1, 2, 3}) sum += static_cast<int>(item.as_integer());
  CHECK(sum == 6);
  for (const Json& item : Json("not an array")) FAIL(item.dump());
}

TEST_CASE("json: optionals and vectors convert both ways", "[json]") {
  std::optional<int> none;
  std::optional<int> some = 4;
  CHECK(Json(none).is_null());
  CHECK(Json(some) == 4);
  std::vector<std::string> words = {"a", "b"};
  CHECK(Json(words).dump() == R"(["a","b"])");
  CHECK(Json::parse(R"(["x","y"])").get<std::vector<std::string>>() ==
        std::vector<std::string>{"x", "y"});
  CHECK(Json(nullptr).get<std::optional<int>>() == std::nullopt);
  CHECK_THROWS_WITH(Json(300).get<std::uint8_t>(), "integer 300 is out of range");
}

namespace {
struct Point {
  int x = 0;
  int y = 0;
};
MITI_FIELDS(Point, x, y)

struct Shape {
  std::string name;
  std::vector<Point> points;
  std::optional<std::string> colour;
  bool closed = false;
};
MITI_FIELDS(Shape, name, points, colour, closed)
}  // namespace

TEST_CASE("json: MITI_FIELDS structs convert both ways", "[json][fields]") {
  Shape shape{.name = "tri", .points = {{0, 0}, {1, 0}, {0, 1}}, .colour = std::nullopt};
  Json json = shape;
  CHECK(
      json.dump() ==
      R"({"name":"tri","points":[{"x":0,"y":0},{"x":1,"y":0},{"x":0,"y":1}],"colour":null,"closed":false})");
  Shape back = json.get<Shape>();
  CHECK(back.name == "tri");
  CHECK(back.points.size() == 3);
  CHECK(back.points[2].y == 1);
  CHECK_FALSE(back.colour.has_value());

  // A missing key keeps the field's default: records written before a field
  // existed still read.
  Shape partial = Json::parse(R"({"name":"dot"})").get<Shape>();
  CHECK(partial.name == "dot");
  CHECK(partial.points.empty());

  CHECK_THROWS_WITH(Json::parse(R"({"name":5})").get<Shape>(),
                    "reading Shape, field 'name': expected a string, got an integer");
  CHECK_THROWS_WITH(Json::parse(R"({"points":[{"x":"1"}]})").get<Shape>(),
                    "reading Shape, field 'points': reading Point, field 'x': expected an "
                    "integer, got a string");
  CHECK_THROWS_WITH(Json(3).get<Shape>(), "reading Shape: expected an object, got an integer");
}
