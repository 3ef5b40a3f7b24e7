// parse_command: a bot_command entity at offset 0, "@bot" suffixes, UTF-16
// offsets over UTF-8 text, and argument trimming.
#include "telegram/command_parser.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using miti::telegram::Message;
using miti::telegram::MessageEntity;
using miti::telegram::parse_command;
using miti::telegram::utf16_length;
using miti::telegram::utf8_prefix_bytes;

Message message(std::string text, std::vector<MessageEntity> entities) {
  Message m;
  m.text = std::move(text);
  m.entities = std::move(entities);
  return m;
}

// A message whose first `length` UTF-16 units are a command entity.
Message command(std::string text, std::int64_t length) {
  return message(std::move(text), {{"bot_command", 0, length}});
}

}  // namespace

TEST_CASE("a plain command has its name and no arguments", "[command_parser]") {
  auto parsed = parse_command(command("/start", 6), "MyBot");
  REQUIRE(parsed);
  CHECK(parsed->name == "start");
  CHECK(parsed->args.empty());
}

TEST_CASE("arguments lose leading spaces, tabs and newlines only", "[command_parser]") {
  auto parsed = parse_command(command("/note \n\t  buy milk \n and eggs  ", 5), "");
  REQUIRE(parsed);
  CHECK(parsed->name == "note");
  CHECK(parsed->args == "buy milk \n and eggs  ");
}

TEST_CASE("only an entity at offset 0 counts", "[command_parser]") {
  SECTION("entity later in the text") {
    CHECK_FALSE(parse_command(message("hi /start", {{"bot_command", 3, 6}}), ""));
  }
  SECTION("an offset-0 entity of another type") {
    CHECK_FALSE(parse_command(message("/start", {{"mention", 0, 6}}), ""));
  }
  SECTION("no entities at all") {
    CHECK_FALSE(parse_command(message("/start", {}), ""));
  }
  SECTION("no text") {
    Message m;
    m.entities = {{"bot_command", 0, 6}};
    CHECK_FALSE(parse_command(m, ""));
  }
  SECTION("the offset-0 entity need not be listed first") {
    auto parsed =
        parse_command(message("/echo @someone", {{"mention", 6, 8}, {"bot_command", 0, 5}}), "");
    REQUIRE(parsed);
    CHECK(parsed->name == "echo");
    CHECK(parsed->args == "@someone");
  }
  SECTION("a bare slash is not a command") {
    CHECK_FALSE(parse_command(command("/", 1), ""));
  }
}

TEST_CASE("/cmd@bot reaches us only when bot is this bot", "[command_parser]") {
  SECTION("same username, different case") {
    auto parsed = parse_command(command("/ping@My_Test_Bot now", 17), "my_test_bot");
    REQUIRE(parsed);
    CHECK(parsed->name == "ping");
    CHECK(parsed->args == "now");
  }
  SECTION("configured with a leading '@'") {
    auto parsed = parse_command(command("/ping@mybot", 11), "@MyBot");
    REQUIRE(parsed);
    CHECK(parsed->name == "ping");
  }
  SECTION("addressed to another bot") {
    CHECK_FALSE(parse_command(command("/ping@other_bot", 15), "my_bot"));
  }
  SECTION("a prefix of our name is another bot") {
    CHECK_FALSE(parse_command(command("/ping@my", 8), "my_bot"));
    CHECK_FALSE(parse_command(command("/ping@my_bot2", 13), "my_bot"));
  }
  SECTION("our username unknown: any @suffix is ignored, plain commands still work") {
    CHECK_FALSE(parse_command(command("/ping@x", 7), ""));
    CHECK_FALSE(parse_command(command("/ping@x", 7), "@"));
    CHECK(parse_command(command("/ping", 5), ""));
  }
  SECTION("an empty name before @ is not a command") {
    CHECK_FALSE(parse_command(command("/@my_bot", 8), "my_bot"));
  }
}

TEST_CASE("command names keep their case", "[command_parser]") {
  auto parsed = parse_command(command("/Ping", 5), "");
  REQUIRE(parsed);
  CHECK(parsed->name == "Ping");  // the registry then finds no "Ping"
}

TEST_CASE("entity offsets are UTF-16 units over UTF-8 text", "[command_parser]") {
  SECTION("emoji and Cyrillic after the command are kept whole") {
    auto parsed = parse_command(command("/say 😀 привет 🎉", 4), "");
    REQUIRE(parsed);
    CHECK(parsed->name == "say");
    CHECK(parsed->args == "😀 привет 🎉");
  }
  SECTION("an emoji right after the command") {
    auto parsed = parse_command(command("/say😀", 4), "");
    REQUIRE(parsed);
    CHECK(parsed->name == "say");
    CHECK(parsed->args == "😀");
  }
  SECTION("unicode text before the command: the entity is not at 0") {
    // "😀 " is 3 UTF-16 units, so the command entity starts at offset 3.
    CHECK_FALSE(parse_command(message("😀 /start", {{"bot_command", 3, 6}}), ""));
  }
  SECTION("an entity longer than the text is clamped") {
    auto parsed = parse_command(command("/go", 50), "");
    REQUIRE(parsed);
    CHECK(parsed->name == "go");
    CHECK(parsed->args.empty());
  }
}

TEST_CASE("utf8_prefix_bytes and utf16_length count like Telegram", "[command_parser]") {
  CHECK(utf16_length("") == 0);
  CHECK(utf16_length("abc") == 3);
  CHECK(utf16_length("ж") == 1);  // 2 bytes, 1 unit
  CHECK(utf16_length("€") == 1);  // 3 bytes, 1 unit
  CHECK(utf16_length("😀") == 2);  // 4 bytes, a surrogate pair
  CHECK(utf16_length("a😀ж") == 4);

  const std::string text = "a😀ж€b";
  CHECK(utf8_prefix_bytes(text, 0) == 0);
  CHECK(utf8_prefix_bytes(text, 1) == 1);
  CHECK(utf8_prefix_bytes(text, 3) == 5);   // "a😀"
  CHECK(utf8_prefix_bytes(text, 4) == 7);   // + "ж"
  CHECK(utf8_prefix_bytes(text, 5) == 10);  // + "€"
  CHECK(utf8_prefix_bytes(text, 6) == 11);
  CHECK(utf8_prefix_bytes(text, 100) == text.size());
  CHECK(utf8_prefix_bytes(text, -5) == 0);
}

TEST_CASE("malformed UTF-8 does not read past the text", "[command_parser]") {
  const std::string truncated = "ab\xF0\x9F";  // a 4-byte lead with only 1 continuation byte
  CHECK(utf8_prefix_bytes(truncated, 10) == truncated.size());
  CHECK(utf16_length(truncated) == 4);
  auto parsed = parse_command(command("/x " + truncated, 2), "");
  REQUIRE(parsed);
  CHECK(parsed->args == truncated);
}
