// remind: what deliver does after a failed send, its per-run budget per
// Workers plan, and the shape of its SQL (bound parameters stay within D1's
// 100).
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "miti/env.hpp"
#include "miti/error.hpp"
#include "remind/config.hpp"
#include "remind/queries.hpp"
#include "remind/retry_policy.hpp"

namespace {

using namespace remind;

miti::Env env_with(std::map<std::string, std::string, std::less<>> vars) {
  return miti::Env(miti::Env::Vars(vars.begin(), vars.end()), {});
}

template <typename E>
SendFailure failure_of(E error) {
  return classify_send_failure(std::make_exception_ptr(std::move(error)));
}

SendFailure bot_api(int code) {
  return failure_of(miti::BotApiError("sendMessage", code, "description"));
}

// ------------------------------------------------------------------ classify

TEST_CASE("remind: send failures are read from the typed Bot API errors") {
  SendFailure flood = failure_of(miti::TooManyRequestsError("sendMessage", "Too Many", 42));
  CHECK(flood.kind == FailureKind::kFloodControl);
  CHECK(flood.retry_after_s == 42);
  CHECK(flood.code == 429);

  SendFailure migrated =
      failure_of(miti::ChatMigratedError("sendMessage", "upgraded", -1001234567890));
  CHECK(migrated.kind == FailureKind::kChatMigrated);
  CHECK(migrated.new_chat_id == -1001234567890);

  CHECK(failure_of(miti::ForbiddenError("sendMessage", "blocked")).kind == FailureKind::kForbidden);
  CHECK(bot_api(400).kind == FailureKind::kBadRequest);
  CHECK(bot_api(401).kind == FailureKind::kBotWide);
  CHECK(bot_api(404).kind == FailureKind::kBotWide);
  CHECK(bot_api(500).kind == FailureKind::kTransient);
  CHECK(bot_api(502).kind == FailureKind::kTransient);
  CHECK(bot_api(409).kind == FailureKind::kTransient);

  SendFailure timeout = failure_of(miti::TimeoutError("fetch timed out"));
  CHECK(timeout.kind == FailureKind::kTransient);
  CHECK(timeout.code == 0);
  CHECK(failure_of(miti::HostError("network down")).kind == FailureKind::kTransient);
  CHECK(failure_of(std::runtime_error("odd")).kind == FailureKind::kTransient);
  CHECK(classify_send_failure(std::make_exception_ptr(42)).kind == FailureKind::kTransient);
}

// ------------------------------------------------------------------ decide

TEST_CASE("remind: 429 defers the chat for retry_after, uncounted, and the run goes on") {
  FailureDecision d =
      decide_failure(failure_of(miti::TooManyRequestsError("sendMessage", "x", 90)), 1);
  CHECK(d.action == Action::kDeferChat);
  CHECK(d.retry_delay_ms == 90 * kSecondMs);
  CHECK_FALSE(d.count_attempt);
  CHECK_FALSE(d.stop_run);
  // Even at the last attempt: the reminder is not at fault.
  CHECK(decide_failure(failure_of(miti::TooManyRequestsError("sendMessage", "x", 5)), kMaxAttempts)
            .action == Action::kDeferChat);
  // retry_after 0 still waits a second rather than hammering the chat.
  CHECK(decide_failure(failure_of(miti::TooManyRequestsError("sendMessage", "x", 0)), 1)
            .retry_delay_ms == kSecondMs);
}

TEST_CASE("remind: a migrated chat is moved and sent again once, uncounted") {
  SendFailure migrated = failure_of(miti::ChatMigratedError("sendMessage", "upgraded", -100777));
  FailureDecision first = decide_failure(migrated, 1, /*moved=*/false);
  CHECK(first.action == Action::kMoveChat);
  CHECK_FALSE(first.count_attempt);
  CHECK_FALSE(first.stop_run);
  // Migrated again after the resend: retried next run like a transient failure.
  FailureDecision again = decide_failure(migrated, 1, /*moved=*/true);
  CHECK(again.action == Action::kRetry);
  CHECK(again.count_attempt);
  CHECK(decide_failure(migrated, kMaxAttempts, /*moved=*/true).action == Action::kGiveUp);
}

TEST_CASE("remind: 403 and other 400s give up at once") {
  for (const SendFailure& f :
       {failure_of(miti::ForbiddenError("sendMessage", "bot was blocked")), bot_api(400)}) {
    INFO(f.description);
    FailureDecision d = decide_failure(f, 1);
    CHECK(d.action == Action::kGiveUp);
    CHECK_FALSE(d.stop_run);
  }
}

TEST_CASE("remind: 401 and 404 stop the run and do not count against the reminder") {
  for (int code : {401, 404}) {
    INFO(code);
    FailureDecision d = decide_failure(bot_api(code), kMaxAttempts);
    CHECK(d.action == Action::kRetry);
    CHECK(d.stop_run);
    CHECK_FALSE(d.count_attempt);
    CHECK(d.retry_delay_ms == 0);
  }
}

TEST_CASE("remind: 5xx, network failures and timeouts retry with growing delays, then give up") {
  FailureDecision first = decide_failure(bot_api(500), 1);
  CHECK(first.action == Action::kRetry);
  CHECK(first.retry_delay_ms == 0);  // the very next run
  CHECK(first.count_attempt);
  CHECK_FALSE(first.stop_run);
  CHECK(decide_failure(failure_of(miti::HostError("network")), 2).retry_delay_ms == 1 * kMinuteMs);
  CHECK(decide_failure(failure_of(miti::TimeoutError("timeout")), 3).retry_delay_ms ==
        3 * kMinuteMs);
  CHECK(decide_failure(bot_api(502), 6).retry_delay_ms == 31 * kMinuteMs);
  CHECK(decide_failure(bot_api(502), 7).retry_delay_ms == 60 * kMinuteMs);
  CHECK(decide_failure(bot_api(502), kMaxAttempts - 1).retry_delay_ms == 60 * kMinuteMs);
  CHECK(decide_failure(bot_api(502), kMaxAttempts).action == Action::kGiveUp);
  CHECK(decide_failure(failure_of(miti::TimeoutError("t")), kMaxAttempts).action ==
        Action::kGiveUp);
}

TEST_CASE("remind: the lease outlives any run") {
  // Cloudflare ends a cron invocation after 15 minutes; a run stops sending
  // well before; a claim only expires after both.
  CHECK(kSendWindowMs < 15 * kMinuteMs);
  CHECK(kLeaseMs > 15 * kMinuteMs);
}

// ------------------------------------------------------------------ budget

TEST_CASE("remind: D1 queries per run, counted statement by statement") {
  // claim + one write per send + end hand-back + one retried write
  CHECK(max_d1_queries_per_run(20) == 1 + 20 + 1 + 1);
  CHECK(max_d1_queries_per_run(1) == 1 + 1 + 1 + 1);
  // 400: 4 more statements for a 429 hand-back of up to 399 claims (97 per
  // statement after the first), 5 for the end hand-back, 5 for the retried write
  CHECK(max_d1_queries_per_run(400) == 1 + 400 + 4 + 5 + 5);
}

TEST_CASE("remind: the send budget per Workers plan") {
  // Free: 20 sends, and even counting D1 queries as subrequests under 50.
  CHECK(kFreePlan.default_sends == 20);
  CHECK(max_d1_queries_per_run(20) + 20 <= 50);
  CHECK(max_sends_per_run(kFreePlan) == 23);
  CHECK(max_d1_queries_per_run(23) + 23 <= 50);
  CHECK(max_d1_queries_per_run(24) + 24 > 50);
  // Paid: 400 sends by default, the D1 limit (1,000) allows up to 970.
  CHECK(kPaidPlan.default_sends == 400);
  CHECK(max_d1_queries_per_run(400) <= 1000);
  CHECK(max_sends_per_run(kPaidPlan) == 970);
  CHECK(max_d1_queries_per_run(970) <= 1000);
  CHECK(max_d1_queries_per_run(971) > 1000);
}

TEST_CASE("remind: WORKERS_PLAN picks the budget, REMIND_SENDS_PER_RUN overrides it, clamped") {
  std::string problem;
  SendBudget unset = send_budget(env_with({}), &problem);
  CHECK(unset.plan == Plan::kFree);
  CHECK(unset.sends == 20);
  CHECK(problem.empty());

  SendBudget free = send_budget(env_with({{"WORKERS_PLAN", "free"}}), &problem);
  CHECK(free.sends == 20);
  SendBudget paid = send_budget(env_with({{"WORKERS_PLAN", "paid"}}), &problem);
  CHECK(paid.plan == Plan::kPaid);
  CHECK(paid.sends == 400);
  CHECK(problem.empty());

  SendBudget odd = send_budget(env_with({{"WORKERS_PLAN", "enterprise"}}), &problem);
  CHECK(odd.plan == Plan::kFree);
  CHECK(odd.sends == 20);
  CHECK_FALSE(problem.empty());
  problem.clear();

  CHECK(send_budget(env_with({{"REMIND_SENDS_PER_RUN", "7"}}), &problem).sends == 7);
  CHECK(send_budget(env_with({{"REMIND_SENDS_PER_RUN", "35"}}), &problem).sends == 23);
  CHECK_FALSE(problem.empty());
  problem.clear();
  CHECK(send_budget(env_with({{"WORKERS_PLAN", "paid"}, {"REMIND_SENDS_PER_RUN", "35"}}), &problem)
            .sends == 35);
  CHECK(problem.empty());
  CHECK(send_budget(env_with({{"WORKERS_PLAN", "paid"}, {"REMIND_SENDS_PER_RUN", "100000"}}),
                    &problem)
            .sends == 970);
  CHECK_FALSE(problem.empty());
  problem.clear();
  CHECK(send_budget(env_with({{"REMIND_SENDS_PER_RUN", "0"}}), &problem).sends == 1);
  CHECK_FALSE(problem.empty());
  problem.clear();
  CHECK(send_budget(env_with({{"REMIND_SENDS_PER_RUN", "12abc"}}), &problem).sends == 20);
  CHECK_FALSE(problem.empty());
}

// ------------------------------------------------------------------ SQL shape

std::size_t parameters_in(const std::string& query) {
  std::set<std::string> seen;
  for (std::size_t i = query.find('?'); i != std::string::npos; i = query.find('?', i + 1)) {
    std::size_t end = i + 1;
    while (end < query.size() && query[end] >= '0' && query[end] <= '9') ++end;
    seen.insert(query.substr(i, end - i));
  }
  return seen.size();
}

TEST_CASE("remind: releasing many claims splits under D1's 100 bound parameters") {
  std::vector<std::string> claims;
  claims.reserve(250);
  for (int i = 0; i < 250; ++i) claims.push_back("claim" + std::to_string(i));
  std::vector<miti::SqlStatement> statements = queries::release_claims(claims, 123);
  REQUIRE(statements.size() == 3);
  std::set<std::string> seen;
  for (const miti::SqlStatement& s : statements) {
    CHECK(s.binds.size() <= miti::SqlStore::kMaxBoundParameters);
    CHECK(parameters_in(s.query) == s.binds.size());
    CHECK(s.binds.front().as_integer() == 123);
    for (std::size_t i = 1; i < s.binds.size(); ++i) seen.insert(s.binds[i].as_text());
  }
  CHECK(seen.size() == claims.size());
  CHECK(queries::release_claims({}, 1).empty());
}

TEST_CASE("remind: a rate-limited chat's hand-back splits under 100 bound parameters too") {
  std::vector<std::string> others;
  others.reserve(250);
  for (int i = 0; i < 250; ++i) others.push_back("other" + std::to_string(i));
  std::vector<miti::SqlStatement> statements =
      queries::defer_chat("refused", "Too Many Requests", 456, others);
  REQUIRE(statements.size() == 3);  // 97 + 97 + 56
  std::set<std::string> seen;
  for (const miti::SqlStatement& s : statements) {
    CHECK(s.binds.size() <= miti::SqlStore::kMaxBoundParameters);
    CHECK(parameters_in(s.query) == s.binds.size());
    CHECK(s.binds[0].as_integer() == 456);
    CHECK(s.binds[1].as_text() == "refused");
    for (std::size_t i = 3; i < s.binds.size(); ++i) seen.insert(s.binds[i].as_text());
  }
  CHECK(seen.size() == others.size());
  // Alone in its chat: one statement, the refused claim only.
  std::vector<miti::SqlStatement> alone = queries::defer_chat("refused", "e", 1, {});
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].binds.size() == 3);
  CHECK(parameters_in(alone[0].query) == 3);
}

TEST_CASE("remind: every other statement binds a fixed, small number of parameters") {
  queries::NewReminder r{.chat_id = 1, .owner = 2, .text = "t", .created_at = 3, .due_at = 4};
  for (const miti::SqlStatement& s : {
           queries::insert_if_below_limit(r, kMaxOpenPerOwner),
           queries::list_open(1, 2, 100),
           queries::delete_pending(1, 2),
           queries::claim_due(1, 2, max_sends_per_run(kPaidPlan), kMaxAttempts),
           queries::mark_delivered(1, "c", 2, 3),
           queries::mark_retry(1, "c", 2, "e", true),
           queries::mark_failed(1, "c", 2, "e"),
           queries::move_chat(-1, -2),
           queries::pressed(1, 2),
           queries::snooze(1, 2, 3, 4, 5),
           queries::trim_finished(1, kTrimChunkRows),
       }) {
    INFO(s.query);
    CHECK(s.binds.size() <= 8);
    CHECK(parameters_in(s.query) == s.binds.size());
    CHECK(s.query.find("remind_reminders") != std::string::npos);
  }
}

}  // namespace
