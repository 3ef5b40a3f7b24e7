// parse_update: typed views of Telegram updates; anything that is not an
// update gives std::nullopt (never an exception, never a half-filled update).
#include <catch2/catch.hpp>

#include "miti/json.hpp"
#include "miti/telegram.hpp"

namespace {

using miti::Json;
using miti::telegram::parse_update;

Json full_update() {
  return Json::parse(R"({
    "update_id": 123456789,
    "message": {
      "message_id": 42,
      "message_thread_id": 7,
      "is_topic_message": true,
      "from": {"id": 1001, "is_bot": false, "first_name": "Ada", "last_name": "L",
               "username": "ada", "language_code": "en"},
      "chat": {"id": -100123, "type": "supergroup", "title": "Group", "username": "grp"},
      "date": 1700000000,
      "text": "/start hello",
      "entities": [{"type": "bot_command", "offset": 0, "length": 6},
                   {"type": "bold", "offset": 7, "length": 5}]
    }
  })");
}

}  // namespace

TEST_CASE("a full message update is parsed field by field", "[update_parser]") {
  auto update = parse_update(full_update());
  REQUIRE(update);
  CHECK(update->update_id == 123456789);
  REQUIRE(update->message);
  const auto& m = *update->message;
  CHECK(m.message_id == 42);
  CHECK(m.message_thread_id == 7);
  CHECK(m.is_topic_message);
  REQUIRE(m.from);
  CHECK(m.from->id == 1001);
  CHECK_FALSE(m.from->is_bot);
  CHECK(m.from->first_name == "Ada");
  CHECK(m.from->last_name == "L");
  CHECK(m.from->username == "ada");
  CHECK(m.from->language_code == "en");
  CHECK(m.chat.id == -100123);
  CHECK(m.chat.type == "supergroup");
  CHECK(m.chat.title == "Group");
  CHECK(m.chat.username == "grp");
  CHECK(m.date == 1700000000);
  CHECK(m.text == "/start hello");
  REQUIRE(m.entities.size() == 2);
  CHECK(m.entities[0].type == "bot_command");
  CHECK(m.entities[0].offset == 0);
  CHECK(m.entities[0].length == 6);
  CHECK(m.entities[1].type == "bold");
  CHECK(update->raw == full_update());
  CHECK(update->command_message() == &*update->message);
}

TEST_CASE("optional fields may be missing", "[update_parser]") {
  auto update = parse_update(
      Json::parse(R"({"update_id": 1, "message": {"message_id": 2, "chat": {"id": 3}}})"));
  REQUIRE(update);
  REQUIRE(update->message);
  CHECK_FALSE(update->message->text);
  CHECK_FALSE(update->message->from);
  CHECK_FALSE(update->message->message_thread_id);
  CHECK(update->message->entities.empty());
  CHECK(update->message->chat.type.empty());
}

TEST_CASE("which message a command may come from", "[update_parser]") {
  SECTION("channel posts carry commands") {
    auto update = parse_update(Json::parse(
        R"({"update_id": 1, "channel_post": {"message_id": 2, "chat": {"id": -5, "type": "channel"}, "text": "/x"}})"));
    REQUIRE(update);
    REQUIRE(update->command_message() != nullptr);
    CHECK(update->command_message()->chat.id == -5);
    CHECK_FALSE(update->command_message()->from);
  }
  SECTION("edited messages and edited channel posts do not") {
    auto edited = parse_update(Json::parse(
        R"({"update_id": 1, "edited_message": {"message_id": 2, "chat": {"id": 3}, "text": "/x"}})"));
    REQUIRE(edited);
    CHECK(edited->edited_message);
    CHECK(edited->command_message() == nullptr);
    auto edited_post = parse_update(Json::parse(
        R"({"update_id": 1, "edited_channel_post": {"message_id": 2, "chat": {"id": 3}}})"));
    REQUIRE(edited_post);
    CHECK(edited_post->command_message() == nullptr);
  }
  SECTION("a callback query is an update without a command message") {
    auto update =
        parse_update(Json::parse(R"({"update_id": 9, "callback_query": {"id": "abc", "data": "x",
                        "from": {"id": 5, "is_bot": false, "first_name": "A"}}})"));
    REQUIRE(update);
    CHECK(update->command_message() == nullptr);
    CHECK(update->raw.contains("callback_query"));
  }
}

TEST_CASE("bodies that are not updates give nullopt", "[update_parser]") {
  const char* bodies[] = {
      R"([])",
      R"("text")",
      R"(null)",
      R"({})",
      R"({"update_id": "1"})",
      R"({"update_id": 1.5})",
      R"({"message": {"message_id": 1, "chat": {"id": 1}}})",
      R"({"update_id": 1, "message": "hello"})",
      R"({"update_id": 1, "message": {"chat": {"id": 1}}})",
      R"({"update_id": 1, "message": {"message_id": 1}})",
      R"({"update_id": 1, "message": {"message_id": 1, "chat": {"type": "private"}}})",
      R"({"update_id": 1, "message": {"message_id": 1, "chat": []}})",
      R"({"update_id": 1, "channel_post": {"message_id": "1", "chat": {"id": 1}}})",
      R"({"update_id": 1, "edited_message": 5})",
  };
  for (const char* body : bodies) {
    INFO("body: " << body);
    CHECK_FALSE(parse_update(Json::parse(body)));
  }
}

TEST_CASE("malformed entities are skipped, the rest kept", "[update_parser]") {
  auto update = parse_update(Json::parse(R"({"update_id": 1, "message": {
      "message_id": 1, "chat": {"id": 1}, "text": "/a b",
      "entities": [5, {"type": "bot_command"}, {"type": 1, "offset": 0, "length": 2},
                   {"type": "bot_command", "offset": 0, "length": 2}]}})"));
  REQUIRE(update);
  REQUIRE(update->message->entities.size() == 1);
  CHECK(update->message->entities[0].length == 2);
}

TEST_CASE("fields of the wrong type never throw out of parse_update", "[update_parser]") {
  // Json::value() throws type_error when the key holds another type; such a
  // body must not escape as an exception (the Worker would log it as a failed
  // request instead of an ignored update).
  const char* bodies[] = {
      R"({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1},
          "from": {"id": 2, "is_bot": "no"}}})",
      R"({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1},
          "is_topic_message": 1}})",
  };
  for (const char* body : bodies) {
    INFO("body: " << body);
    CHECK_NOTHROW(parse_update(Json::parse(body)));
  }
}
