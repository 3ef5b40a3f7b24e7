// Cron dispatch through the Worker (start_scheduled) and the WhenAll awaiter
// under it: matching crons run concurrently, each in isolation, and the host
// gets one summary once all have finished.
#include <array>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "miti/module.hpp"
#include "runtime/when_all.hpp"
#include "worker_harness.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::CronEvent;
using miti::Json;
using miti::ModuleContext;
using miti::ModuleDefinition;
using miti::Task;
using miti_test::ok;
using miti_test::WorkerHarness;

std::vector<std::string> g_seen;  // "<module>/<cron>@<event cron>:<time>"

void record(const ModuleContext& ctx, std::string_view cron, const CronEvent& event) {
  g_seen.push_back(std::string(ctx.module_name()) + "/" + std::string(cron) + "@" +
                   std::string(event.cron) + ":" +
                   std::to_string(static_cast<long long>(event.scheduled_time_ms)));
}

// Waits on KV, so the runs overlap.
Task<void> hourly_a(const CronEvent& event, ModuleContext& ctx) {
  record(ctx, "hourly", event);
  co_await ctx.db().put("ran", "1");
}
Task<void> hourly_b(const CronEvent& event, ModuleContext& ctx) {
  record(ctx, "hourly", event);
  co_await ctx.db().put("ran", "1");
}
Task<void> often(const CronEvent& event, ModuleContext& ctx) {
  record(ctx, "often", event);
  co_return;
}
Task<void> broken(const CronEvent& event, ModuleContext& ctx) {
  record(ctx, "broken", event);
  throw std::runtime_error("cron exploded");
  co_return;
}

ModuleDefinition alpha() {
  return {.name = "alpha",
          .crons = {{"hourly", "0 * * * *", hourly_a}, {"often", "*/5 * * * *", often}}};
}
ModuleDefinition beta() {
  return {.name = "beta",
          .crons = {{"hourly", "0 * * * *", hourly_b}, {"broken", "*/5 * * * *", broken}}};
}

const std::array<miti::registry::ModuleEntry, 2> kModules = {{{"alpha", &alpha}, {"beta", &beta}}};

}  // namespace

TEST_CASE("matching crons run concurrently; one summary when all are done", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "alpha,beta"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "0 * * * *", 1'800'000'000'000.0);

  // Both handlers started before either KV write was answered.
  REQUIRE(h.host.ops.size() == 2);
  CHECK(h.host.ops[0].op.at("key") == "alpha:ran");
  CHECK(h.host.ops[1].op.at("key") == "beta:ran");
  CHECK(g_seen == std::vector<std::string>{"alpha/hourly@0 * * * *:1800000000000",
                                           "beta/hourly@0 * * * *:1800000000000"});
  CHECK(h.host.responses.empty());

  h.host.answer_index(1, ok());
  CHECK(h.host.responses.empty());  // still waiting for alpha
  h.host.answer_index(0, ok());
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 200);
  CHECK(h.host.responses[0].json() == Json{{"cron", "0 * * * *"}, {"ran", 2}, {"failed", 0}});
  CHECK(h.worker.requests_in_flight() == 0);
}

TEST_CASE("a failing cron is logged and does not stop the others", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "beta,alpha"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "*/5 * * * *", 0);
  // Both ran (MODULES order), synchronously.
  CHECK(g_seen ==
        std::vector<std::string>{"beta/broken@*/5 * * * *:0", "alpha/often@*/5 * * * *:0"});
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].json() == Json{{"cron", "*/5 * * * *"}, {"ran", 2}, {"failed", 1}});
  auto errors = h.host.logs_at("error");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("module") == "beta");
  CHECK(errors[0].at("cron") == "broken");
  CHECK(errors[0].at("error") == "cron exploded");
}

TEST_CASE("a KV failure in one cron fails only that run", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "alpha,beta"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "0 * * * *", 0);
  h.host.answer_index(0, miti_test::fail("KV down"));
  h.host.answer_index(1, ok());
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].json().at("failed") == 1);
  CHECK(h.host.responses[0].json().at("ran") == 2);
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK(h.host.logs_at("error")[0].at("module") == "alpha");
}

TEST_CASE("a trigger nobody declared runs nothing", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "alpha,beta"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "15 3 * * *", 0);
  CHECK(g_seen.empty());
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].json() == Json{{"cron", "15 3 * * *"}, {"ran", 0}, {"failed", 0}});
}

TEST_CASE("only modules in MODULES have their crons run", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "alpha"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "*/5 * * * *", 0);
  CHECK(g_seen == std::vector<std::string>{"alpha/often@*/5 * * * *:0"});
  CHECK(h.host.responses.at(0).json().at("ran") == 1);
}

TEST_CASE("the trigger is matched by meaning, not spelling", "[scheduled]") {
  g_seen.clear();
  WorkerHarness h(kModules, {{"MODULES", "alpha"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "0  *  * * *", 0);
  REQUIRE(h.host.ops.size() == 1);
  h.host.answer_index(0, ok());
  CHECK(h.host.responses.at(0).json().at("ran") == 1);
}

TEST_CASE("a registry failure answers the trigger with the error", "[scheduled]") {
  WorkerHarness h(kModules, {{"MODULES", "alpha,ghost"}});
  h.worker.start_scheduled(1, WorkerHarness::kEnv, "0 * * * *", 0);
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].status == 500);
  CHECK_THAT(h.host.responses[0].json().at("error").get<std::string>(),
             Contains("unknown module 'ghost'"));
  REQUIRE(h.host.logs_at("error").size() == 1);
  CHECK(h.host.logs_at("error")[0].at("cron") == "0 * * * *");
}

// --- WhenAll ---------------------------------------------------------------------

namespace {

Task<void> bump(int& counter) {
  ++counter;
  co_return;
}

Task<void> bump_after_op(miti::runtime::RequestScope& scope, int& counter) {
  Json op = {{"op", "wait"}};
  co_await miti::runtime::host_call(scope, op);
  ++counter;
}

Task<int> await_all(std::vector<Task<void>> tasks, int& counter) {
  co_await miti::runtime::WhenAll(std::move(tasks));
  co_return counter;
}

}  // namespace

TEST_CASE("WhenAll: empty and all-synchronous sets finish at once", "[when_all]") {
  int counter = 0;
  Task<int> empty = await_all({}, counter);
  empty.start();
  REQUIRE(empty.done());
  CHECK(empty.result() == 0);

  std::vector<Task<void>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(bump(counter));
  Task<int> all = await_all(std::move(tasks), counter);
  all.start();
  REQUIRE(all.done());
  CHECK(all.result() == 5);
}

TEST_CASE("WhenAll: resumes only after the last task, in any order", "[when_all]") {
  miti_test::ScopeHarness h;
  int counter = 0;
  std::vector<Task<void>> tasks;
  tasks.push_back(bump_after_op(h.scope, counter));
  tasks.push_back(bump(counter));
  tasks.push_back(bump_after_op(h.scope, counter));
  tasks.push_back(bump_after_op(h.scope, counter));
  Task<int> all = await_all(std::move(tasks), counter);
  all.start();
  REQUIRE(h.host.ops.size() == 3);  // all started at once
  CHECK(counter == 1);
  h.host.answer_index(2, ok());
  h.host.answer_index(0, ok());
  CHECK_FALSE(all.done());
  h.host.answer_index(1, ok());
  REQUIRE(all.done());
  CHECK(all.result() == 4);
}

TEST_CASE("WhenAll: destroying the awaiter while tasks wait cancels them all", "[when_all]") {
  miti_test::ScopeHarness h;
  int counter = 0;
  {
    std::vector<Task<void>> tasks;
    tasks.push_back(bump_after_op(h.scope, counter));
    tasks.push_back(bump_after_op(h.scope, counter));
    Task<int> all = await_all(std::move(tasks), counter);
    all.start();
    CHECK(h.runtime.pending_count() == 2);
  }
  CHECK(h.runtime.pending_count() == 0);
  h.runtime.complete(h.host.ops[0].id, miti::runtime::OpStatus::kOk, "null");  // ignored
  CHECK(counter == 0);
}
