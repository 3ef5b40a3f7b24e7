// remind: what deliver does after a failed send, its per-run limits, and the
// shape of its SQL (bound parameters stay within D1's 100).
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "miti/env.hpp"
#include "remind/config.hpp"
#include "remind/queries.hpp"
#include "remind/retry_policy.hpp"

namespace {

using namespace remind;

miti::Env env_with(std::map<std::string, std::string, std::less<>> vars) {
  return miti::Env(std::move(vars), {});
}

TEST_CASE("remind: permanent Bot API errors give up at once") {
  for (int code : {400, 403}) {
    FailureDecision d = decide_failure(code, 1);
    CHECK(d.give_up);
    CHECK_FALSE(d.stop_run);
  }
}

TEST_CASE("remind: bot-wide errors stop the run and do not count against the reminder") {
  for (int code : {401, 404, 429}) {
    INFO(code);
    FailureDecision d = decide_failure(code, kMaxAttempts);
    CHECK_FALSE(d.give_up);
    CHECK(d.stop_run);
    CHECK_FALSE(d.count_attempt);
    CHECK(d.retry_delay_ms == 0);
  }
}

TEST_CASE("remind: transient errors retry on the next run first, then back off, then give up") {
  FailureDecision first = decide_failure(500, 1);
  CHECK_FALSE(first.give_up);
  CHECK(first.retry_delay_ms == 0);  // the very next run
  CHECK(first.count_attempt);
  CHECK(decide_failure(0, 2).retry_delay_ms == 1 * kMinuteMs);  // network failure
  CHECK(decide_failure(502, 3).retry_delay_ms == 3 * kMinuteMs);
  CHECK(decide_failure(502, 6).retry_delay_ms == 31 * kMinuteMs);
  CHECK(decide_failure(502, 7).retry_delay_ms == 60 * kMinuteMs);
  CHECK(decide_failure(502, kMaxAttempts - 1).retry_delay_ms == 60 * kMinuteMs);
  CHECK(decide_failure(502, kMaxAttempts).give_up);
}

TEST_CASE("remind: the lease outlives any run") {
  // Cloudflare ends a cron invocation after 15 minutes; a run stops sending
  // well before; a claim only expires after both.
  CHECK(kSendWindowMs < 15 * kMinuteMs);
  CHECK(kLeaseMs > 15 * kMinuteMs);
}

TEST_CASE("remind: the default run fits the Free plan even if D1 queries were subrequests") {
  // one claim + one outcome write per send + at most one finishing batch
  // statement per 99 claims + one retried outcome
  const int d1 = 1 + kDefaultSendsPerRun + 1 + 1;
  CHECK(d1 + kDefaultSendsPerRun < 50);
  const int paid_d1 = 1 + kMaxSendsPerRun + (kMaxSendsPerRun + 98) / 99 + 1;
  CHECK(paid_d1 < 1000);
}

TEST_CASE("remind: REMIND_SENDS_PER_RUN is read and clamped") {
  std::string problem;
  CHECK(sends_per_run(env_with({}), &problem) == kDefaultSendsPerRun);
  CHECK(problem.empty());
  CHECK(sends_per_run(env_with({{"REMIND_SENDS_PER_RUN", "35"}}), &problem) == 35);
  CHECK(problem.empty());
  CHECK(sends_per_run(env_with({{"REMIND_SENDS_PER_RUN", "0"}}), &problem) == 1);
  CHECK_FALSE(problem.empty());
  problem.clear();
  CHECK(sends_per_run(env_with({{"REMIND_SENDS_PER_RUN", "100000"}}), &problem) == kMaxSendsPerRun);
  CHECK_FALSE(problem.empty());
  problem.clear();
  CHECK(sends_per_run(env_with({{"REMIND_SENDS_PER_RUN", "12abc"}}), &problem) ==
        kDefaultSendsPerRun);
  CHECK_FALSE(problem.empty());
}

TEST_CASE("remind: releasing many claims splits under D1's 100 bound parameters") {
  std::vector<std::string> claims;
  for (int i = 0; i < 250; ++i) claims.push_back("claim" + std::to_string(i));
  std::vector<miti::SqlStatement> statements = queries::release_claims(claims, 123);
  REQUIRE(statements.size() == 3);
  std::set<std::string> seen;
  for (const miti::SqlStatement& s : statements) {
    CHECK(s.binds.size() <= miti::SqlStore::kMaxBoundParameters);
    CHECK(s.binds.front().as_integer() == 123);
    for (std::size_t i = 1; i < s.binds.size(); ++i) seen.insert(s.binds[i].as_text());
  }
  CHECK(seen.size() == claims.size());
  CHECK(queries::release_claims({}, 1).empty());
}

TEST_CASE("remind: every other statement binds a fixed, small number of parameters") {
  queries::NewReminder r{.chat_id = 1, .owner = 2, .text = "t", .created_at = 3, .due_at = 4};
  for (const miti::SqlStatement& s : {
           queries::insert_if_below_limit(r, kMaxOpenPerOwner),
           queries::list_open(1, 2, 100),
           queries::delete_pending(1, 2),
           queries::claim_due(1, 2, kMaxSendsPerRun, kMaxAttempts),
           queries::mark_delivered(1, "c", 2, 3),
           queries::mark_retry(1, "c", 2, "e", true),
           queries::mark_failed(1, "c", 2, "e"),
           queries::pressed(1, 2),
           queries::snooze(1, 2, 3, 4, 5),
           queries::trim_finished(1, kTrimChunkRows),
       }) {
    INFO(s.query);
    CHECK(s.binds.size() <= 8);
    CHECK(s.query.find("remind_reminders") != std::string::npos);
  }
}

}  // namespace
