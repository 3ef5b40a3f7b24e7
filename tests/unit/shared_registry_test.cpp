// SharedRegistry through the Worker: one build shared by concurrent first
// requests, failed builds logged and retried, init errors name the module.
#include "registry/shared_registry.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "fake_host.hpp"
#include "isolated.hpp"
#include "miti/module.hpp"
#include "worker_harness.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::CommandContext;
using miti::Json;
using miti::ModuleContext;
using miti::ModuleDefinition;
using miti::Task;
using miti::Visibility;
using miti_test::command_update;
using miti_test::ok;
using miti_test::say;
using miti_test::webhook_reply;
using miti_test::WorkerHarness;

struct InitScript {
  int calls = 0;
  bool throw_now = false;    // throw before suspending
  bool use_kv = true;        // await a KV op (suspends until answered)
  std::string seen_modules;  // active modules as init saw them
  std::string seen_var;
};
InitScript g_init;

Task<void> init(ModuleContext& ctx) {
  ++g_init.calls;
  g_init.seen_modules.clear();
  for (const auto& module : ctx.active_modules())
    g_init.seen_modules += std::string(module.name) + ";";
  g_init.seen_var = std::string(ctx.env().var_or("GREETING", ""));
  if (g_init.throw_now) throw std::runtime_error("no config");
  if (g_init.use_kv) co_await ctx.db().put("schema", "1");
}

Task<void> hello(CommandContext& ctx) {
  co_await say(ctx, "hello " + std::string(ctx.args()));
}

Task<void> other(CommandContext& ctx) {
  co_await say(ctx, "other");
}

ModuleDefinition slowinit_module() {
  return {.name = "slowinit",
          .commands = {{"hello", Visibility::kPublic, "hello", hello}},
          .init = init};
}
ModuleDefinition plain_module() {
  return {.name = "plain", .commands = {{"other", Visibility::kPublic, "other", other}}};
}

const std::array<miti::registry::ModuleEntry, 2> kModules = {{
    {"slowinit", &slowinit_module},
    {"plain", &plain_module},
}};

Json vars() {
  return {{"MODULES", "plain,slowinit"}, {"GREETING", "hi"}};
}

// The operations init submitted (its KV writes), whatever else waiting
// requests may submit while they wait (e.g. host sleeps while polling).
std::vector<miti_test::SubmittedOp> init_ops(const miti_test::FakeHost& host, bool pending_only) {
  std::vector<miti_test::SubmittedOp> out;
  for (const auto& op : host.ops) {
    if (op.op.value("op", "") == "kv.put" && (!pending_only || !op.answered)) out.push_back(op);
  }
  return out;
}

// Answers the operations that are not init's for a few rounds (or, with
// `until_settled`, until none are left): lets waiting requests make progress
// however they wait (resumed by the builder, or polling with host sleeps).
void pump_waiters(WorkerHarness& h, bool until_settled = false) {
  for (int round = 0; round < (until_settled ? 10'000 : 3); ++round) {
    bool answered = false;
    for (const auto& op : h.host.unanswered()) {
      if (op.op.value("op", "") == "kv.put") continue;
      h.host.answer(op.id, ok());
      answered = true;
    }
    if (!answered) return;
  }
  if (until_settled) FAIL("waiting requests never settled");
}

// Answers everything until nothing is pending.
void drain(WorkerHarness& h) {
  for (int round = 0; round < 10'000 && !h.host.unanswered().empty(); ++round) {
    h.host.answer(h.host.unanswered().front().id, ok());
  }
}

}  // namespace

TEST_CASE("concurrent first requests share one build; init runs once", "[shared_registry]") {
  g_init = {};
  WorkerHarness h(kModules, vars());
  for (int i = 1; i <= 5; ++i)
    h.webhook(i, command_update(i, 100 + i, "/hello n" + std::to_string(i)));

  // Only the first request builds; its init waits on one KV op, the others wait on it.
  pump_waiters(h);
  CHECK(g_init.calls == 1);
  auto writes = init_ops(h.host, false);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].op == Json{{"op", "kv.put"}, {"key", "slowinit:schema"}, {"value", "1"}});
  CHECK(h.host.responses.empty());
  CHECK(h.worker.requests_in_flight() == 5);

  h.host.answer(writes[0].id, ok());
  pump_waiters(h, /*until_settled=*/true);
  REQUIRE(h.host.responses.size() == 5);
  for (int i = 1; i <= 5; ++i) {
    const auto* response = h.host.response_for(i);
    REQUIRE(response != nullptr);
    CHECK(response->json() == webhook_reply(100 + i, "hello n" + std::to_string(i)));
  }
  CHECK(h.worker.registry().build_count() == 1);

  CHECK(g_init.calls == 1);
  CHECK(init_ops(h.host, false).size() == 1);

  // Later requests reuse the registry: no init, no op.
  std::size_t ops_before = h.host.ops.size();
  h.webhook(6, command_update(6, 1, "/other"));
  CHECK(h.host.response_for(6)->json() == webhook_reply(1, "other"));
  CHECK(g_init.calls == 1);
  CHECK(h.host.ops.size() == ops_before);
  CHECK(h.worker.registry().build_count() == 1);
}

TEST_CASE("init sees the environment and the running modules in order", "[shared_registry]") {
  g_init = {};
  g_init.use_kv = false;
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(1, 1, "/hello"));
  CHECK(g_init.calls == 1);
  CHECK(g_init.seen_modules == "plain;slowinit;miti;");
  CHECK(g_init.seen_var == "hi");
}

TEST_CASE("a failed build is logged with the module's name and retried", "[shared_registry]") {
  g_init = {};
  g_init.throw_now = true;
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(41, 1, "/hello"));
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  CHECK(h.host.responses[0].body.empty());
  auto errors = h.host.logs_at("error");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("msg") == "registry build failed");
  CHECK(errors[0].at("update_id") == 41);
  CHECK_THAT(errors[0].at("error").get<std::string>(),
             Contains("init of module 'slowinit' failed") && Contains("no config"));

  // Not cached: the next request builds again, and this time it works.
  g_init.throw_now = false;
  g_init.use_kv = false;
  h.webhook(2, command_update(42, 1, "/hello again"));
  CHECK(g_init.calls == 2);
  CHECK(h.worker.registry().build_count() == 2);
  CHECK(h.host.response_for(2)->json() == webhook_reply(1, "hello again"));
}

TEST_CASE("a build failing while others wait fails them all, then is retried",
          "[shared_registry]") {
  g_init = {};
  WorkerHarness h(kModules, vars());
  for (int i = 1; i <= 3; ++i) h.webhook(i, command_update(i, i, "/other"));
  pump_waiters(h);
  auto writes = init_ops(h.host, true);
  REQUIRE(writes.size() == 1);
  CHECK(h.host.responses.empty());

  h.host.answer(writes[0].id, miti_test::fail("KV down"));
  pump_waiters(h, /*until_settled=*/true);
  REQUIRE(h.host.responses.size() == 3);
  auto errors = h.host.logs_at("error");
  REQUIRE(errors.size() == 3);
  for (const Json& error : errors) {
    CHECK_THAT(error.at("error").get<std::string>(),
               Contains("init of module 'slowinit' failed") && Contains("KV down"));
  }
  for (const auto& response : h.host.responses) {
    CHECK(response.status == 200);
    CHECK(response.body.empty());
  }
  CHECK(h.worker.requests_in_flight() == 0);
  CHECK(g_init.calls == 1);

  // The next request starts a fresh build.
  h.webhook(4, command_update(4, 4, "/other"));
  CHECK(g_init.calls == 2);
  writes = init_ops(h.host, true);
  REQUIRE(writes.size() == 1);
  h.host.answer(writes[0].id, ok());
  CHECK(h.host.response_for(4)->json() == webhook_reply(4, "other"));
  CHECK(h.worker.registry().build_count() == 2);
}

TEST_CASE("a validation error is not cached either", "[shared_registry]") {
  g_init = {};
  WorkerHarness h(kModules, {{"MODULES", "plain,missing"}});
  h.webhook(1, command_update(1, 1, "/other"));
  h.webhook(2, command_update(2, 1, "/other"));
  CHECK(h.worker.registry().build_count() == 2);
  CHECK(h.host.logs_at("error").size() == 2);
  CHECK(g_init.calls == 0);
}

TEST_CASE("a request that keeps an old registry survives a rebuild for another env",
          "[shared_registry]") {
  // Two environments (ids) on one worker: the second rebuilds the registry
  // while a request of the first is suspended inside its handler.
  g_init = {};
  g_init.use_kv = false;
  WorkerHarness h(kModules, vars());
  h.worker.set_env(2, Json{{"vars", {{"MODULES", "slowinit"}}}, {"bindings", {"KV"}}}.dump());

  Json env1 = vars();
  env1["TELEGRAM_WEBHOOK_REPLY"] = "false";
  h.worker.set_env(1, Json{{"vars", env1}, {"bindings", {"KV"}}}.dump());
  h.worker.start_webhook(1, 1, command_update(1, 1, "/other").dump());
  REQUIRE(h.host.ops.size() == 1);  // waiting on its sendMessage subrequest

  h.worker.start_webhook(2, 2, command_update(2, 2, "/hello x").dump());
  CHECK(h.worker.registry().build_count() == 2);
  CHECK(h.host.response_for(2)->json() == webhook_reply(2, "hello x"));

  h.host.answer_index(0, ok({{"ok", true}, {"result", true}}));
  REQUIRE(h.host.response_for(1) != nullptr);
  CHECK(h.host.response_for(1)->status == 200);
  CHECK(h.host.logs_at("error").empty());
}

// Two environments on one worker. These once failed: a waiter resumed by the
// builder started its own build for its env, which reset the registry the
// builder was about to return (a null dereference in webhook_flow), and every
// further waiter started yet another build. They run in a child process so a
// regression crashes only the child.

TEST_CASE("a build finishing while another env's request waits serves its own request",
          "[shared_registry]") {
  std::string out = miti_test::run_isolated([] {
    g_init = {};
    WorkerHarness h(kModules, vars());
    h.worker.set_env(2, Json{{"vars", {{"MODULES", "slowinit"}}}, {"bindings", {"KV"}}}.dump());
    h.worker.start_webhook(1, WorkerHarness::kEnv, command_update(1, 1, "/hello a").dump());
    h.worker.start_webhook(2, 2, command_update(2, 2, "/hello b").dump());
    drain(h);
    std::string result;
    for (int i : {1, 2}) {
      const auto* response = h.host.response_for(i);
      result += response ? response->body : std::string("<none>");
      result += "|";
    }
    return result;
  });
  CHECK(out == webhook_reply(1, "hello a").dump() + "|" + webhook_reply(2, "hello b").dump() + "|");
}

TEST_CASE("waiters woken together start at most one new build", "[shared_registry]") {
  std::string out = miti_test::run_isolated([] {
    g_init = {};
    WorkerHarness h(kModules, vars());
    h.worker.set_env(2, Json{{"vars", {{"MODULES", "slowinit"}}}, {"bindings", {"KV"}}}.dump());
    h.worker.start_webhook(1, WorkerHarness::kEnv, command_update(1, 1, "/hello").dump());
    for (int i = 2; i <= 4; ++i) {
      h.worker.start_webhook(i, 2, command_update(i, i, "/hello").dump());
    }
    drain(h);
    return "builds " + std::to_string(h.worker.registry().build_count()) + " inits " +
           std::to_string(g_init.calls);
  });
  CHECK(out == "builds 2 inits 2");
}

TEST_CASE("a build whose request never comes back is replaced after a while", "[shared_registry]") {
  g_init = {};
  WorkerHarness h(kModules, vars());
  h.webhook(1, command_update(1, 101, "/hello first"));   // builds; init's op never answers
  h.webhook(2, command_update(2, 102, "/hello second"));  // waits, polling
  pump_waiters(h);
  REQUIRE(init_ops(h.host, true).size() == 1);
  CHECK(h.host.response_for(2) == nullptr);

  // Past the stall limit the waiting request builds on its own.
  h.host.now += 16'000;
  pump_waiters(h);
  CHECK(g_init.calls == 2);
  CHECK(h.host.logs_at("warn").size() == 1);
  auto pending = init_ops(h.host, true);
  REQUIRE(pending.size() == 2);
  h.host.answer(pending[1].id, ok());
  pump_waiters(h, /*until_settled=*/true);
  REQUIRE(h.host.response_for(2) != nullptr);
  CHECK(h.host.response_for(2)->json() == webhook_reply(102, "hello second"));
  CHECK(h.worker.registry().build_count() == 2);

  // The stalled build finishing late neither breaks nor replaces anything.
  h.host.answer(pending[0].id, ok());
  pump_waiters(h, /*until_settled=*/true);
  REQUIRE(h.host.response_for(1) != nullptr);
  CHECK(h.host.response_for(1)->json() == webhook_reply(101, "hello first"));
  h.webhook(3, command_update(3, 103, "/other"));
  CHECK(h.host.response_for(3)->json() == webhook_reply(103, "other"));
  CHECK(g_init.calls == 2);
}
