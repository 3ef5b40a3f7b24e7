// dispatch::Worker end to end with fake modules: webhook replies, the error
// policy (always 200, one JSON log line), ignored updates, and many
// interleaved requests without cross-talk.
#include "dispatch/worker.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <string>

#include "fake_host.hpp"
#include "miti/module.hpp"
#include "worker_harness.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::CommandContext;
using miti::Json;
using miti::ModuleDefinition;
using miti::Task;
using miti::Visibility;
using miti_test::command_update;
using miti_test::ok;
using miti_test::say;
using miti_test::webhook_reply;
using miti_test::WorkerHarness;

int g_ping_calls = 0;

Task<void> ping(CommandContext& ctx) {
  ++g_ping_calls;
  co_await say(ctx, "pong");
}

Task<void> echo(CommandContext& ctx) {
  co_await say(ctx, std::string(ctx.args()));
}

Task<void> boom(CommandContext&) {
  throw std::runtime_error("kaboom");
  co_return;
}

// Replies, then fails: the reply is still delivered.
Task<void> late_boom(CommandContext& ctx) {
  co_await say(ctx, "partial");
  throw std::runtime_error("after reply");
}

// Waits on KV between steps, so requests interleave.
Task<void> slow(CommandContext& ctx) {
  std::string args(ctx.args());
  co_await ctx.db().put("note", args);
  std::optional<std::string> back = co_await ctx.db().get("note");
  co_await say(ctx, "saved " + args + " read " + back.value_or("?"));
}

// Counts the frames of /parked alive, and the times one went past its await.
int g_parked_alive = 0;
int g_parked_resumed = 0;

struct ParkedGuard {
  ParkedGuard() { ++g_parked_alive; }
  ~ParkedGuard() { --g_parked_alive; }
  ParkedGuard(const ParkedGuard&) = delete;
  ParkedGuard& operator=(const ParkedGuard&) = delete;
};

// Waits on a KV read that the tests never answer.
Task<void> parked(CommandContext& ctx) {
  ParkedGuard guard;
  co_await ctx.db().get("parked");
  ++g_parked_resumed;
  co_await say(ctx, "resumed");
}

Task<void> whoami(CommandContext& ctx) {
  std::string from = ctx.from() ? std::to_string(ctx.from()->id) : "none";
  co_await say(ctx, std::string(ctx.module_name()) + "/" + std::string(ctx.command()) + " " + from);
}

ModuleDefinition echo_module() {
  return {
      .name = "echo",
      .commands = {{"ping", Visibility::kPublic, "ping", ping},
                   {"echo", Visibility::kPublic, "echo", echo},
                   {"boom", Visibility::kProtected, "fails", boom},
                   {"late_boom", Visibility::kPrivate, "fails late", late_boom},
                   {"slow", Visibility::kPublic, "kv round trips", slow},
                   {"whoami", Visibility::kPublic, "who", whoami},
                   {"parked", Visibility::kPrivate, "waits on KV", parked}},
  };
}

const std::array<miti::registry::ModuleEntry, 1> kModules = {{{"echo", &echo_module}}};

Json vars() {
  return {{"MODULES", "echo"}, {"TELEGRAM_BOT_USERNAME", "Test_Bot"}};
}

}  // namespace

TEST_CASE("a handler's reply travels in the webhook response", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(100, 42, "/ping"));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].request == 1);
  CHECK(h.host.responses[0].status == 200);
  CHECK(h.host.responses[0].json() == webhook_reply(42, "pong"));
  CHECK(h.host.ops.empty());
  CHECK(h.host.logs_at("error").empty());
  CHECK(h.worker.requests_in_flight() == 0);
}

TEST_CASE("arguments and the context reach the handler", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(100, 42, "/echo   hello\nworld"));
  CHECK(h.host.responses.at(0).json() == webhook_reply(42, "hello\nworld"));
  h.webhook(2, command_update(101, 43, "/whoami"));
  CHECK(h.host.responses.at(1).json().at("text") == "echo/whoami 543");
}

TEST_CASE("a throwing handler: 200, and one error line naming module, command, update",
          "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(555, 42, "/boom"));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  CHECK(h.host.responses[0].body.empty());
  auto errors = h.host.logs_at("error");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("module") == "echo");
  CHECK(errors[0].at("command") == "boom");
  CHECK(errors[0].at("update_id") == 555);
  CHECK(errors[0].at("error") == "kaboom");

  // The next update is served normally.
  h.webhook(2, command_update(556, 42, "/ping"));
  CHECK(h.host.responses.at(1).json() == webhook_reply(42, "pong"));
}

TEST_CASE("a handler failing after its reply still delivers the reply", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(7, 42, "/late_boom"));
  CHECK(h.host.responses.at(0).status == 200);
  CHECK(h.host.responses.at(0).json() == webhook_reply(42, "partial"));
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK(h.host.logs_at("error")[0].at("error") == "after reply");
}

TEST_CASE("bodies that are not updates: 200 and one warning", "[worker]") {
  WorkerHarness h(kModules, vars());
  const char* bodies[] = {"{not json", "", R"({"hello": "world"})", "[1,2,3]",
                          R"({"update_id": 1, "message": 5})"};
  int request = 0;
  for (const char* body : bodies) {
    INFO("body: " << body);
    h.host.logs.clear();
    h.webhook_text(++request, body);
    const auto* response = h.host.response_for(request);
    REQUIRE(response != nullptr);
    CHECK(response->status == 200);
    CHECK(response->body.empty());
    auto warnings = h.host.logs_at("warn");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].at("msg") == "update ignored");
    CHECK(h.host.logs.size() == 1);
  }
  CHECK(h.host.ops.empty());
  CHECK(h.worker.registry().build_count() == 0);  // no registry work for junk
}

TEST_CASE("a 1 MiB body is answered 200 and logged, nothing written", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook_text(1, std::string(1 << 20, 'x'));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  REQUIRE(h.host.logs_at("warn").size() == 1);
  CHECK(h.host.logs_at("warn")[0].at("bytes") == 1 << 20);
  CHECK(h.host.ops.empty());
}

TEST_CASE("updates that carry no command for us are ignored with 200", "[worker]") {
  WorkerHarness h(kModules, vars());
  g_ping_calls = 0;
  Json plain = command_update(1, 42, "hello");
  plain["message"]["entities"] = Json::array();
  Json edited = command_update(2, 42, "/ping", "edited_message");
  Json other_bot = command_update(4, 42, "/ping@other_bot");
  Json unknown = command_update(5, 42, "/nope");
  Json upper = command_update(6, 42, "/PING");
  Json photo = command_update(7, 42, "x");
  photo["message"].erase("text");
  photo["message"].erase("entities");
  int request = 0;
  for (const Json& update : {plain, edited, other_bot, unknown, upper, photo}) {
    INFO("update: " << update.dump());
    h.webhook(++request, update);
    const auto* response = h.host.response_for(request);
    REQUIRE(response != nullptr);
    CHECK(response->status == 200);
    CHECK(response->body.empty());
  }
  CHECK(g_ping_calls == 0);
  CHECK(h.host.ops.empty());
  CHECK(h.host.logs_at("error").empty());
  CHECK(h.host.logs_at("warn").empty());
}

TEST_CASE("/cmd@this_bot reaches the command, case-insensitively", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(1, 42, "/ping@test_bot"));
  CHECK(h.host.responses.at(0).json() == webhook_reply(42, "pong"));
  h.webhook(2, command_update(2, 42, "/ping@TEST_BOT"));
  CHECK(h.host.responses.at(1).json() == webhook_reply(42, "pong"));
}

TEST_CASE("without TELEGRAM_BOT_USERNAME, /cmd@anything is ignored", "[worker]") {
  WorkerHarness h(kModules, {{"MODULES", "echo"}});
  h.webhook(1, command_update(1, 42, "/ping@test_bot"));
  CHECK(h.host.responses.at(0).body.empty());
  h.webhook(2, command_update(2, 42, "/ping"));
  CHECK(h.host.responses.at(1).json() == webhook_reply(42, "pong"));
}

TEST_CASE("channel posts reach commands too", "[worker]") {
  WorkerHarness h(kModules, vars());
  Json post = command_update(1, -1001, "/whoami", "channel_post");
  post["channel_post"].erase("from");
  h.webhook(1, post);
  CHECK(h.host.responses.at(0).json() == webhook_reply(-1001, "echo/whoami none"));
}

TEST_CASE("replies in a forum topic stay in the topic", "[worker]") {
  WorkerHarness h(kModules, vars());
  Json update = command_update(1, -100, "/ping");
  update["message"]["message_thread_id"] = 77;
  update["message"]["is_topic_message"] = true;
  h.webhook(1, update);
  CHECK(h.host.responses.at(0).json().at("message_thread_id") == 77);
}

TEST_CASE("TELEGRAM_WEBHOOK_REPLY=false sends the reply through the Bot API", "[worker]") {
  Json env = vars();
  env["TELEGRAM_WEBHOOK_REPLY"] = "false";
  WorkerHarness h(kModules, env);
  h.webhook(1, command_update(1, 42, "/ping"));
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].request == 1);
  CHECK(h.host.ops[0].op == Json{{"op", "telegram"},
                                 {"method", "sendMessage"},
                                 {"params", {{"chat_id", 42}, {"text", "pong"}}}});
  CHECK(h.host.responses.empty());  // the request waits for the subrequest
  h.host.answer_index(0, ok({{"ok", true}, {"result", {{"message_id", 1}}}}));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  CHECK(h.host.responses[0].body.empty());
}

TEST_CASE("a failed Bot API subrequest is logged as the handler's failure, still 200", "[worker]") {
  Json env = vars();
  env["TELEGRAM_WEBHOOK_REPLY"] = "false";
  WorkerHarness h(kModules, env);
  h.webhook(1, command_update(9, 42, "/ping"));
  h.host.answer_index(0, ok({{"ok", false}, {"error_code", 403}, {"description", "blocked"}}));
  CHECK(h.host.responses.at(0).status == 200);
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK_THAT(h.host.logs_at("error")[0].at("error").get<std::string>(), Contains("blocked"));
  CHECK(h.host.logs_at("error")[0].at("update_id") == 9);
}

TEST_CASE("many interleaved requests each get their own answer", "[worker]") {
  constexpr int kRequests = 200;
  WorkerHarness h(kModules, vars());
  // Every KV op is answered later, in random order, from a per-key store.
  std::map<std::string, std::string> kv;
  for (int i = 1; i <= kRequests; ++i) {
    h.webhook(i, command_update(1000 + i, i, "/slow v" + std::to_string(i)));
  }
  CHECK(h.worker.requests_in_flight() == kRequests);
  CHECK(h.host.responses.empty());

  std::mt19937 rng(42);
  for (int round = 0; round < 10 && !h.host.unanswered().empty(); ++round) {
    auto pending = h.host.unanswered();
    std::shuffle(pending.begin(), pending.end(), rng);
    for (const auto& op : pending) {
      // One KV key per module: the value a request reads back is the last
      // one written by anybody, so only check it was some request's value.
      if (op.op.at("op").as_string() == "kv.put") {
        kv[op.op.at("key").as_string()] = op.op.at("value").as_string();
        h.host.answer(op.id, ok());
      } else {
        h.host.answer(op.id, ok(kv.at(op.op.at("key").as_string())));
      }
    }
  }
  REQUIRE(h.host.responses.size() == kRequests);
  for (int i = 1; i <= kRequests; ++i) {
    const auto* response = h.host.response_for(i);
    REQUIRE(response != nullptr);
    Json body = response->json();
    REQUIRE(body.at("chat_id") == i);
    REQUIRE_THAT(body.at("text").get<std::string>(),
                 Catch::Matchers::StartsWith("saved v" + std::to_string(i) + " read v"));
  }
  CHECK(h.worker.requests_in_flight() == 0);
  CHECK(h.worker.runtime().pending_count() == 0);
  CHECK(h.worker.registry().build_count() == 1);
  for (const auto& op : h.host.ops) CHECK(op.op.at("key").as_string() == "echo:note");
}

TEST_CASE("each request's operations carry its own request id", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(11, command_update(1, 1, "/slow a"));
  h.webhook(22, command_update(2, 2, "/slow b"));
  REQUIRE(h.host.ops.size() == 2);
  CHECK(h.host.ops[0].request == 11);
  CHECK(h.host.ops[1].request == 22);
}

TEST_CASE("a KV failure inside a handler is logged, the update still answered", "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(31, 42, "/slow x"));
  h.host.answer_index(0, miti_test::fail("KV unavailable"));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK(h.host.logs_at("error")[0].at("command") == "slow");
  CHECK(h.host.logs_at("error")[0].at("error") == "KV unavailable");
}

TEST_CASE("destroying the worker with requests in flight is clean", "[worker]") {
  g_parked_alive = 0;
  g_parked_resumed = 0;
  auto h = std::make_unique<WorkerHarness>(kModules, vars());
  h->webhook(1, command_update(1, 1, "/parked"));
  h->webhook(2, command_update(2, 2, "/parked"));
  REQUIRE(h->worker.requests_in_flight() == 2);
  REQUIRE(h->host.ops.size() == 2);
  CHECK(h->host.responses.empty());
  CHECK(g_parked_alive == 2);  // both handlers suspended at their KV read
  h.reset();
  // Every suspended frame was destroyed (its locals with it) and none resumed.
  CHECK(g_parked_alive == 0);
  CHECK(g_parked_resumed == 0);
}

TEST_CASE("registry errors are logged per update and answered 200", "[worker]") {
  SECTION("unknown module in MODULES") {
    WorkerHarness h(kModules, {{"MODULES", "echo,ghost"}});
    h.webhook(1, command_update(1, 42, "/ping"));
    CHECK(h.host.responses.at(0).status == 200);
    REQUIRE(h.host.logs_at("error").size() == 1);
    CHECK(h.host.logs_at("error")[0].at("msg") == "registry build failed");
    CHECK_THAT(h.host.logs_at("error")[0].at("error").get<std::string>(),
               Contains("unknown module 'ghost'"));
    CHECK(h.host.logs_at("error")[0].at("update_id") == 1);
  }
  SECTION("empty MODULES") {
    WorkerHarness h(kModules, Json::object());
    h.webhook(1, command_update(1, 42, "/ping"));
    CHECK(h.host.responses.at(0).status == 200);
    CHECK_THAT(h.host.logs_at("error").at(0).at("error").get<std::string>(),
               Contains("MODULES is empty"));
  }
}

TEST_CASE("a duplicate request id is dropped and never clobbers the request in flight",
          "[worker]") {
  WorkerHarness h(kModules, vars());
  h.webhook(7, command_update(1, 42, "/slow first"));  // suspends on KV
  REQUIRE(h.worker.requests_in_flight() == 1);
  h.webhook(7, command_update(2, 43, "/ping"));  // the host reused the id
  CHECK(h.worker.requests_in_flight() == 1);
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK(h.host.logs_at("error")[0].at("msg") == "duplicate request id; request dropped");
  CHECK(h.host.responses.empty());

  for (int round = 0; round < 10 && !h.host.unanswered().empty(); ++round) {
    const auto op = h.host.unanswered().front();
    h.host.answer(op.id, op.op.at("op").as_string() == "kv.get" ? ok("first") : ok());
  }
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].json() == webhook_reply(42, "saved first read first"));
}
