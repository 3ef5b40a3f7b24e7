// BotApi: the first send rides in the webhook response, later calls go
// through fetch in order, TELEGRAM_WEBHOOK_REPLY=false, ok=false, splitting.
#include "miti/bot_api.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "fake_host.hpp"
#include "miti/error.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::BotApi;
using miti::BotApiError;
using miti::Json;
using miti::SendOptions;
using miti::Task;
using miti_test::ok;
using miti_test::Reply;
using miti_test::run_now;
using miti_test::ScopeHarness;
using miti_test::SubmittedOp;

// Telegram's answer to every call: ok with a message.
std::optional<Reply> telegram_ok(const SubmittedOp&) {
  return ok({{"ok", true}, {"result", {{"message_id", 1}}}});
}

Task<void> send_text(BotApi& api, std::int64_t chat_id, std::string text) {
  co_await api.send_message(chat_id, std::move(text));
}

Task<void> send_two(BotApi& api) {
  co_await send_text(api, 10, "first");
  co_await send_text(api, 10, "second");
}

}  // namespace

TEST_CASE("the first send is held for the webhook response", "[bot_api]") {
  ScopeHarness h;
  BotApi api(h.scope, /*allow_webhook_reply=*/true);
  run_now(api.send_message(10, "pong"));
  CHECK(h.host.ops.empty());
  CHECK(api.subrequest_count() == 0);
  std::optional<Json> reply = api.take_webhook_reply();
  REQUIRE(reply);
  CHECK(*reply == Json{{"method", "sendMessage"}, {"chat_id", 10}, {"text", "pong"}});
  CHECK_FALSE(api.take_webhook_reply());  // taken once
}

TEST_CASE("a second send flushes the held one first, keeping the order", "[bot_api]") {
  ScopeHarness h;
  BotApi api(h.scope, true);
  Task<void> task = send_two(api);
  task.start();
  // The held "first" goes out before "second" is even submitted.
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].op == Json{{"op", "telegram"},
                                 {"method", "sendMessage"},
                                 {"params", {{"chat_id", 10}, {"text", "first"}}}});
  h.host.answer_index(0, ok({{"ok", true}, {"result", true}}));
  REQUIRE(h.host.ops.size() == 2);
  CHECK(h.host.ops[1].op.at("params").at("text") == "second");
  h.host.answer_index(1, ok({{"ok", true}, {"result", true}}));
  REQUIRE(task.done());
  task.result();
  CHECK(api.subrequest_count() == 2);
  CHECK_FALSE(api.take_webhook_reply());
}

TEST_CASE("a call() after a held send flushes it first", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = telegram_ok;
  BotApi api(h.scope, true);
  run_now(api.send("sendChatAction", {{"chat_id", 1}, {"action", "typing"}}));
  Json result = run_now(api.call("getMe", Json::object()));
  REQUIRE(h.host.ops.size() == 2);
  CHECK(h.host.ops[0].op.at("method") == "sendChatAction");
  CHECK(h.host.ops[1].op.at("method") == "getMe");
  CHECK(result == Json{{"message_id", 1}});
}

TEST_CASE("after a call(), sends are no longer held", "[bot_api]") {
  // Holding a later send would deliver it after the call's side effects.
  ScopeHarness h;
  h.host.auto_reply = telegram_ok;
  BotApi api(h.scope, true);
  run_now(api.call("getMe", Json::object()));
  run_now(api.send_message(3, "late"));
  CHECK(h.host.ops.size() == 2);
  CHECK_FALSE(api.take_webhook_reply());
}

TEST_CASE("with webhook replies off every call is a subrequest", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = telegram_ok;
  BotApi api(h.scope, /*allow_webhook_reply=*/false);
  run_now(api.send_message(10, "one"));
  run_now(api.send_message(10, "two"));
  REQUIRE(h.host.ops.size() == 2);
  CHECK(h.host.ops[0].op.at("params").at("text") == "one");
  CHECK(h.host.ops[1].op.at("params").at("text") == "two");
  CHECK(api.subrequest_count() == 2);
  CHECK_FALSE(api.take_webhook_reply());
}

TEST_CASE("ok=false becomes BotApiError with method, code and description", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return ok({{"ok", false}, {"error_code", 403}, {"description", "Forbidden: bot was blocked"}});
  };
  BotApi api(h.scope, false);
  auto task = api.call("sendMessage", {{"chat_id", 1}, {"text", "x"}});
  task.start();
  REQUIRE(task.done());
  try {
    task.result();
    FAIL("expected BotApiError");
  } catch (const BotApiError& error) {
    CHECK(error.method() == "sendMessage");
    CHECK(error.code() == 403);
    CHECK_THAT(error.what(), Contains("Forbidden: bot was blocked") && Contains("403"));
  }
}

TEST_CASE("a failing flush of the held call reaches the caller", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return ok({{"ok", false}, {"error_code", 400}, {"description", "Bad Request"}});
  };
  BotApi api(h.scope, true);
  auto task = send_two(api);
  task.start();
  REQUIRE(task.done());
  CHECK_THROWS_AS(task.result(), BotApiError);
  CHECK(h.host.ops.size() == 1);  // "second" was never sent
}

TEST_CASE("a transport failure is a HostError", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return miti_test::fail("fetch failed");
  };
  BotApi api(h.scope, false);
  auto task = api.send_message(1, "x");
  task.start();
  CHECK_THROWS_AS(task.result(), miti::HostError);
}

TEST_CASE("send options map to sendMessage parameters", "[bot_api]") {
  ScopeHarness h;
  BotApi api(h.scope, true);
  SendOptions options;
  options.parse_mode = "HTML";
  options.reply_to_message_id = 99;
  options.message_thread_id = 5;
  options.disable_notification = true;
  options.disable_link_preview = true;
  options.extra = {{"protect_content", true}};
  run_now(api.send_message(-100, "<b>hi</b>", options));
  std::optional<Json> reply = api.take_webhook_reply();
  REQUIRE(reply);
  CHECK(*reply ==
        Json{{"method", "sendMessage"},
             {"chat_id", -100},
             {"text", "<b>hi</b>"},
             {"parse_mode", "HTML"},
             {"message_thread_id", 5},
             {"disable_notification", true},
             {"link_preview_options", {{"is_disabled", true}}},
             {"reply_parameters", {{"message_id", 99}, {"allow_sending_without_reply", true}}},
             {"protect_content", true}});
}

TEST_CASE("long text is split; only the first piece replies to the message", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = telegram_ok;
  BotApi api(h.scope, true);
  SendOptions options;
  options.reply_to_message_id = 7;
  std::string text =
      std::string(4000, 'a') + "\n" + std::string(4000, 'b') + "\n" + std::string(4000, 'c');
  run_now(api.send_message(1, text, options));
  // Three pieces: the first was held, then flushed by the second; the third
  // is a subrequest too, so nothing is left for the webhook response.
  REQUIRE(h.host.ops.size() == 3);
  CHECK(h.host.ops[0].op.at("params").at("text") == std::string(4000, 'a'));
  CHECK(h.host.ops[1].op.at("params").at("text") == std::string(4000, 'b'));
  CHECK(h.host.ops[2].op.at("params").at("text") == std::string(4000, 'c'));
  CHECK(h.host.ops[0].op.at("params").at("reply_parameters").at("message_id") == 7);
  CHECK_FALSE(h.host.ops[1].op.at("params").contains("reply_parameters"));
  CHECK_FALSE(h.host.ops[2].op.at("params").contains("reply_parameters"));
  CHECK_FALSE(api.take_webhook_reply());
}

TEST_CASE("empty text is refused before anything is sent", "[bot_api]") {
  ScopeHarness h;
  BotApi api(h.scope, false);
  auto task = api.send_message(1, "");
  task.start();
  CHECK_THROWS_AS(task.result(), miti::UsageError);
  CHECK(h.host.ops.empty());
}
