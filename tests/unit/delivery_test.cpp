// At most once per update: the delivery record's verdicts, the waiting
// schedule, and the webhook flow around them with a scripted D1.
#include "dispatch/delivery.hpp"

#include <array>
#include <catch2/catch.hpp>

#include "fake_host.hpp"
#include "miti/module.hpp"
#include "worker_harness.hpp"

namespace {

using miti::Json;
using miti::dispatch::judge;
using miti::dispatch::Observed;
using miti::dispatch::Verdict;
using miti::dispatch::wait_before_look;
using miti_test::ok;
using miti_test::Reply;
using miti_test::SubmittedOp;
using miti_test::WorkerHarness;

int g_runs = 0;
miti::Task<void> count(miti::Context& ctx) {
  ++g_runs;
  co_await ctx.reply("counted");
}
miti::Task<void> look(miti::Context& ctx) {
  co_await ctx.reply("looked");
}
miti::ModuleDefinition counter() {
  return {.name = "counter",
          .commands = {{.name = "count", .description = "c", .handler = count},
                       {.name = "look", .description = "l", .handler = look, .read_only = true}}};
}
const std::array<miti::registry::ModuleEntry, 1> kCounter = {{{"counter", &counter}}};

}  // namespace

TEST_CASE("delivery: the record's verdicts", "[delivery]") {
  CHECK(judge(Observed{}, 1000) == Verdict::kRun);
  CHECK(judge(Observed{"done", 5000}, 1000) == Verdict::kSkip);
  CHECK(judge(Observed{"done", 0}, 1000) == Verdict::kSkip);  // done stays done
  CHECK(judge(Observed{"running", 5000}, 1000) == Verdict::kWait);
  CHECK(judge(Observed{"running", 1000}, 1000) == Verdict::kTakeOver);  // the lease ran out
  CHECK(judge(Observed{"running", 999}, 1000) == Verdict::kTakeOver);
}

TEST_CASE("delivery: a waiting delivery looks again at growing intervals, never past the lease",
          "[delivery]") {
  const std::int64_t far = 1'000'000;
  CHECK(wait_before_look(0, 0, far) == 500);
  CHECK(wait_before_look(1, 0, far) == 1000);
  CHECK(wait_before_look(3, 0, far) == 4000);
  CHECK(wait_before_look(9, 0, far) == 8000);
  CHECK(wait_before_look(0, 0, 200) == 201);  // just after the lease ends
  CHECK(wait_before_look(5, 10'000, 10'000) == 1);
}

namespace {

// A D1 behind the fake host with one miti_updates record, enough for the
// statements the dispatcher sends.
struct RecordHarness : WorkerHarness {
  RecordHarness() : WorkerHarness(kCounter, {{"MODULES", "counter"}, {"MITI_DEDUP", "on"}}) {
    host.auto_reply = [this](const SubmittedOp& submitted) -> std::optional<Reply> {
      const Json& op = submitted.op;
      const std::string kind = op.at("op").as_string();
      if (kind == "sleep") {
        host.now += op.at("ms").as_integer();
        ++sleeps;
        if (on_sleep) on_sleep();
        return ok();
      }
      if (kind == "d1.batch") {
        const Json& claim = op.at("statements")[0];
        const Json& params = claim.at("params");
        const std::int64_t now = params[3].as_integer();
        bool claimed = !state || (*state == "running" && lease_until <= now);
        Json rows = Json::array();
        if (claimed) {
          state = "running";
          token = params[1].as_string();
          lease_until = params[2].as_integer();
          rows.push_back(Json::array({token}));
          ++claims;
        }
        return ok(Json::array(
            {{{"columns", {"claim"}}, {"rows", rows}, {"meta", {{"changes", claimed ? 1 : 0}}}}}));
      }
      if (kind == "d1.all") {  // the record as it is
        Json rows = Json::array();
        if (state) rows.push_back(Json::array({*state, lease_until}));
        return ok({{"columns", {"state", "lease_until"}}, {"rows", rows}});
      }
      if (kind == "d1.run") {  // finish: done, if the token still holds
        bool mine = op.at("params")[1].as_string() == token;
        if (mine) state = "done";
        return ok({{"changes", mine ? 1 : 0}, {"last_row_id", 0}});
      }
      return miti_test::fail("unexpected op " + kind);
    };
  }
  std::optional<std::string> state;
  std::string token;
  std::int64_t lease_until = 0;
  int claims = 0;
  int sleeps = 0;
  std::function<void()> on_sleep;
};

}  // namespace

TEST_CASE("delivery: a routed update is recorded, runs once, and is marked done after the answer",
          "[delivery]") {
  g_runs = 0;
  RecordHarness h;
  h.webhook(1, miti_test::command_update(77, 42, "/count"));
  CHECK(g_runs == 1);
  CHECK(h.state == "done");
  REQUIRE(h.host.responses.size() == 1);
  CHECK(h.host.responses[0].json().at("text") == "counted");
  // The answer left before the record was marked done.
  std::size_t finish = 0;
  for (std::size_t i = 0; i < h.host.ops.size(); ++i) {
    if (h.host.ops[i].op.at("op") == "d1.run") finish = i;
  }
  CHECK(finish == h.host.ops.size() - 1);

  // Telegram delivers it again: skipped, answered 200 with nothing.
  h.webhook(2, miti_test::command_update(77, 42, "/count"));
  CHECK(g_runs == 1);
  CHECK(h.host.responses.at(1).status == 200);
  CHECK(h.host.responses.at(1).body.empty());
}

TEST_CASE("delivery: read-only commands skip the record", "[delivery]") {
  RecordHarness h;
  h.webhook(1, miti_test::command_update(78, 42, "/look"));
  h.webhook(2, miti_test::command_update(78, 42, "/look"));
  CHECK(h.host.ops.empty());
  CHECK(h.host.responses.at(1).json().at("text") == "looked");
}

TEST_CASE("delivery: a duplicate waits while the first delivery runs, then skips", "[delivery]") {
  g_runs = 0;
  RecordHarness h;
  h.state = "running";  // an earlier delivery is at work
  h.token = "theirs";
  h.lease_until = h.host.now + 60'000;
  h.on_sleep = [&] {
    if (h.sleeps == 2) h.state = "done";  // it finishes meanwhile
  };
  h.webhook(1, miti_test::command_update(79, 42, "/count"));
  CHECK(g_runs == 0);
  CHECK(h.sleeps == 2);
  CHECK(h.host.responses.at(0).body.empty());
}

TEST_CASE("delivery: a delivery that died is taken over after its lease and runs again",
          "[delivery]") {
  g_runs = 0;
  RecordHarness h;
  h.state = "running";
  h.token = "dead";
  h.lease_until = h.host.now + 1'500;  // it will never finish
  h.webhook(1, miti_test::command_update(80, 42, "/count"));
  CHECK(g_runs == 1);
  CHECK(h.claims == 1);
  CHECK(h.token != "dead");
  CHECK(h.state == "done");
  CHECK(h.host.now >= h.lease_until - miti::dispatch::kDeliveryLeaseMs);
}

TEST_CASE("delivery: without a DB binding updates run unrecorded, noted once", "[delivery]") {
  g_runs = 0;
  WorkerHarness h(kCounter, {{"MODULES", "counter"}, {"MITI_DEDUP", "on"}}, {"KV"});
  h.webhook(1, miti_test::command_update(81, 42, "/count"));
  h.webhook(2, miti_test::command_update(82, 42, "/count"));
  CHECK(g_runs == 2);
  CHECK(h.host.ops.empty());
  int notes = 0;
  for (const Json& line : h.host.logs) {
    if (line.value("msg", "").find("no DB binding") != std::string::npos) ++notes;
  }
  CHECK(notes == 1);
}

TEST_CASE("delivery: when D1 fails the update still runs (Telegram gets 200 and will not resend)",
          "[delivery]") {
  g_runs = 0;
  RecordHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return miti_test::fail("D1_ERROR: no such table: miti_updates");
  };
  h.webhook(1, miti_test::command_update(83, 42, "/count"));
  CHECK(g_runs == 1);
  CHECK(h.host.responses.at(0).json().at("text") == "counted");
  CHECK_FALSE(h.host.logs_at("warn").empty());
}
