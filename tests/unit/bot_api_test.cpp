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
  CHECK_THROWS_AS(run_now(send_two(api)), BotApiError);
  CHECK(h.host.ops.size() == 1);  // "second" was never sent
}

TEST_CASE("a transport failure is a HostError", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return miti_test::fail("fetch failed");
  };
  BotApi api(h.scope, false);
  CHECK_THROWS_AS(run_now(api.send_message(1, "x")), miti::HostError);
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
  CHECK_THROWS_AS(run_now(api.send_message(1, "")), miti::UsageError);
  CHECK(h.host.ops.empty());
}

// ---------------------------------------------------------------- error classes

namespace {
std::exception_ptr classify(const char* json) {
  return miti::classify_bot_api_error("sendMessage", Json::parse(json));
}
template <typename E>
E caught(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const E& typed) {
    return typed;
  } catch (...) {
    FAIL("another error type");
  }
  throw std::logic_error("unreachable");
}
}  // namespace

TEST_CASE("a 429 is TooManyRequestsError carrying retry_after", "[bot_api]") {
  auto error = caught<miti::TooManyRequestsError>(classify(
      R"({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7",
          "parameters": {"retry_after": 7}})"));
  CHECK(error.retry_after() == 7);
  CHECK(error.code() == 429);
  CHECK(error.method() == "sendMessage");
  // Without parameters, a second is the safe guess.
  CHECK(caught<miti::TooManyRequestsError>(classify(R"({"ok": false, "error_code": 429})"))
            .retry_after() == 1);
}

TEST_CASE("a 400 with migrate_to_chat_id is ChatMigratedError carrying the new id", "[bot_api]") {
  auto error = caught<miti::ChatMigratedError>(classify(
      R"({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
          "parameters": {"migrate_to_chat_id": -1001234567890}})"));
  CHECK(error.new_chat_id() == -1001234567890);
  CHECK(error.code() == 400);
}

TEST_CASE("a 403 (blocked, kicked) is ForbiddenError; others stay BotApiError", "[bot_api]") {
  auto blocked = caught<miti::ForbiddenError>(classify(
      R"({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})"));
  CHECK(blocked.description() == "Forbidden: bot was blocked by the user");
  auto plain = caught<miti::BotApiError>(classify(
      R"({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})"));
  CHECK(plain.code() == 400);
  CHECK_THROWS_AS(std::rethrow_exception(classify(R"({"ok": false, "error_code": 400})")),
                  miti::BotApiError);
}

TEST_CASE("a call the host abandons after its timeout is a TimeoutError", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return miti_test::timed_out("Bot API sendMessage: no answer within 10000 ms");
  };
  BotApi api(h.scope, false);
  CHECK_THROWS_AS(run_now(api.call("sendMessage", {{"chat_id", 1}, {"text", "x"}})),
                  miti::TimeoutError);
}

namespace {
// A Bot API that answers 429 (retry_after seconds) `failures` times, then ok;
// sleeps move the fake clock.
struct FloodHarness : ScopeHarness {
  FloodHarness(int failures, int retry_after) {
    host.auto_reply = [this, failures, retry_after](const SubmittedOp& op) -> std::optional<Reply> {
      if (op.op.at("op") == "sleep") {
        slept_ms += op.op.at("ms").as_integer();
        host.now += op.op.at("ms").as_integer();
        return ok();
      }
      if (sends++ < failures) {
        return ok({{"ok", false},
                   {"error_code", 429},
                   {"description", "Too Many Requests"},
                   {"parameters", {{"retry_after", retry_after}}}});
      }
      return ok({{"ok", true}, {"result", {{"message_id", 5}}}});
    };
  }
  int sends = 0;
  std::int64_t slept_ms = 0;
};
}  // namespace

TEST_CASE("a 429 is retried after retry_after when that fits the request's time", "[bot_api]") {
  FloodHarness h(/*failures=*/1, /*retry_after=*/3);
  h.scope.deadline_ms = h.host.now + 60'000;
  BotApi api(h.scope, false);
  Json result = run_now(api.call("sendMessage", {{"chat_id", 1}, {"text", "x"}}));
  CHECK(result.at("message_id") == 5);
  CHECK(h.sends == 2);
  CHECK(h.slept_ms == 3000);
}

TEST_CASE("a 429 that does not fit the time left surfaces at once", "[bot_api]") {
  FloodHarness h(/*failures=*/1, /*retry_after=*/30);
  h.scope.deadline_ms = h.host.now + 10'000;
  BotApi api(h.scope, false);
  CHECK_THROWS_AS(run_now(api.call("sendMessage", {{"chat_id", 1}, {"text", "x"}})),
                  miti::TooManyRequestsError);
  CHECK(h.sends == 1);
  CHECK(h.slept_ms == 0);
}

TEST_CASE("a 429 is not retried when the caller says so, nor more than kMaxRetries times",
          "[bot_api]") {
  FloodHarness once(1, 1);
  once.scope.deadline_ms = once.host.now + 60'000;
  BotApi api(once.scope, false);
  CHECK_THROWS_AS(
      run_now(api.call("sendMessage", {{"chat_id", 1}}, {.retry_too_many_requests = false})),
      miti::TooManyRequestsError);
  CHECK(once.sends == 1);

  FloodHarness always(100, 1);
  always.scope.deadline_ms = always.host.now + 600'000;
  BotApi stubborn(always.scope, false);
  CHECK_THROWS_AS(run_now(stubborn.call("sendMessage", {{"chat_id", 1}})),
                  miti::TooManyRequestsError);
  CHECK(always.sends == BotApi::kMaxRetries + 1);
}

TEST_CASE("typed helpers: results through fetch, none when riding the webhook", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = [](const SubmittedOp& op) -> std::optional<Reply> {
    Json params = op.op.at("params");
    return ok({{"ok", true},
               {"result",
                {{"message_id", 77},
                 {"date", 1},
                 {"chat", {{"id", std::as_const(params)["chat_id"]}, {"type", "private"}}},
                 {"text", "x"}}}});
  };
  BotApi api(h.scope, true);
  CHECK_FALSE(run_now(api.send_message(5, "first")).has_value());  // rides in the webhook answer
  std::optional<miti::telegram::Message> second = run_now(api.send_message(5, "second"));
  REQUIRE(second);
  CHECK(second->message_id == 77);
  std::optional<miti::telegram::Message> edited = run_now(
      api.edit_message_text(5, 77, "edited", {.reply_markup = miti::InlineKeyboard().to_json()}));
  REQUIRE(edited);
  CHECK(h.host.ops.back().op.at("method") == "editMessageText");
  CHECK(h.host.ops.back().op.at("params").at("reply_markup") ==
        Json::parse(R"({"inline_keyboard":[]})"));

  run_now(api.edit_message_reply_markup(5, 77));
  CHECK(h.host.ops.back().op.at("params").at("reply_markup") ==
        Json::parse(R"({"inline_keyboard":[]})"));  // removes the buttons
  run_now(api.delete_message(5, 77));
  CHECK(h.host.ops.back().op.at("method") == "deleteMessage");
  run_now(api.send_chat_action(5, "typing", 3));
  CHECK(h.host.ops.back().op.at("params") ==
        Json{{"chat_id", 5}, {"action", "typing"}, {"message_thread_id", 3}});
  run_now(api.send_photo(5, "https://example.org/cat.jpg", {.extra = {{"caption", "a cat"}}}));
  CHECK(h.host.ops.back().op.at("params") ==
        Json{{"chat_id", 5}, {"photo", "https://example.org/cat.jpg"}, {"caption", "a cat"}});
  run_now(api.send_document(5, "FILEID"));
  CHECK(h.host.ops.back().op.at("method") == "sendDocument");
  run_now(api.answer_callback_query("q1", "done", {.show_alert = true}));
  CHECK(h.host.ops.back().op.at("params") ==
        Json{{"callback_query_id", "q1"}, {"text", "done"}, {"show_alert", true}});
  CHECK(api.answered("q1"));
  CHECK_FALSE(api.answered("q2"));
}

TEST_CASE("a reply with a keyboard puts it on the last piece of a long message", "[bot_api]") {
  ScopeHarness h;
  h.host.auto_reply = telegram_ok;
  BotApi api(h.scope, false);
  miti::InlineKeyboard keyboard;
  keyboard.button("ok", miti::CallbackData::encode("m", "ok", ""));
  run_now(api.send_message(5, std::string(5000, 'x'), {.reply_markup = keyboard}));
  REQUIRE(h.host.ops.size() == 2);
  CHECK_FALSE(h.host.ops[0].op.at("params").contains("reply_markup"));
  CHECK(h.host.ops[1].op.at("params").at("reply_markup") == keyboard.to_json());
}
