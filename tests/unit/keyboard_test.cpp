// Inline keyboards and callback_data: the builder's JSON, the namespacing by
// module and handler, and Telegram's 64-byte limit checked when a button is
// built.
#include "miti/keyboard.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "fake_host.hpp"
#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "miti/error.hpp"
#include "miti/module.hpp"

using Catch::Matchers::Contains;
using miti::CallbackData;
using miti::Json;

TEST_CASE("callback data is namespaced by module and handler", "[keyboard]") {
  CHECK(CallbackData::encode("notes", "delete", "12:10").str() == "notes:delete:12:10");
  CHECK(CallbackData::encode("notes", "delete", "").str() == "notes:delete:");
  auto decoded = miti::decode_callback_data("notes:delete:12:10");
  REQUIRE(decoded);
  CHECK(decoded->module == "notes");
  CHECK(decoded->handler == "delete");
  CHECK(decoded->payload == "12:10");  // the payload may hold ':' itself
}

TEST_CASE("callback data of another shape does not decode", "[keyboard]") {
  for (const char* data : {"", "x", "notes", "notes:", "notes:delete", ":delete:1", "notes::1"}) {
    INFO(data);
    CHECK_FALSE(miti::decode_callback_data(data));
  }
}

TEST_CASE("callback data over 64 bytes is refused when the button is built", "[keyboard]") {
  std::string payload(64 - std::string("notes:delete:").size(), 'x');
  CHECK(CallbackData::encode("notes", "delete", payload).str().size() == 64);
  CHECK_THROWS_AS(CallbackData::encode("notes", "delete", payload + "x"), miti::UsageError);
  CHECK_THROWS_WITH(CallbackData::encode("notes", "delete", payload + "x"),
                    Contains("65 bytes; Telegram allows 64 (the payload may use 51)"));
  // Bytes, not characters: each é is two.
  CHECK_THROWS_AS(
      CallbackData::encode("m", "h",
                           std::string(31, 'x') + std::string(15, 'y') +
                               "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"),
      miti::UsageError);
}

TEST_CASE("the keyboard builder makes Telegram's inline_keyboard rows", "[keyboard]") {
  miti::InlineKeyboard keyboard;
  CHECK(keyboard.empty());
  keyboard.button("A", CallbackData::encode("m", "h", "1"))
      .button("B", CallbackData::encode("m", "h", "2"))
      .row()
      .row()  // an empty row is not a row
      .url("docs", "https://example.org");
  CHECK(keyboard.button_count() == 3);
  CHECK(keyboard.to_json() == Json::parse(R"({"inline_keyboard": [
          [{"text": "A", "callback_data": "m:h:1"}, {"text": "B", "callback_data": "m:h:2"}],
          [{"text": "docs", "url": "https://example.org"}]]})"));
  CHECK(Json(keyboard) == keyboard.to_json());  // usable wherever markup JSON is
  CHECK(miti::InlineKeyboard().to_json() == Json::parse(R"({"inline_keyboard": []})"));
}

TEST_CASE("force_reply and remove_keyboard", "[keyboard]") {
  CHECK(miti::force_reply() == Json::parse(R"({"force_reply": true, "selective": true})"));
  CHECK(miti::force_reply("title", false) ==
        Json::parse(R"({"force_reply": true, "input_field_placeholder": "title"})"));
  CHECK(miti::remove_keyboard() == Json::parse(R"({"remove_keyboard": true})"));
}

namespace {
miti::Task<void> noop(miti::Context&) {
  co_return;
}
}  // namespace

TEST_CASE("ctx.callback_data checks the handler is declared by the module", "[keyboard]") {
  miti_test::ScopeHarness h;
  miti::BotApi api(h.scope, false);
  miti::ModuleDefinition module{.name = "shop", .callbacks = {{"buy", noop}}};
  miti::ModuleContext ctx(h.scope, module, api);
  CHECK(ctx.callback_data("buy", "7").str() == "shop:buy:7");
  CHECK_THROWS_WITH(ctx.callback_data("sell", "7"),
                    "module 'shop' declares no callback 'sell' (add it to .callbacks)");
}
