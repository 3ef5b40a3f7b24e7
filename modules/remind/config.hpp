// remind's limits in one place, and the arithmetic that keeps a `deliver` run
// within the Workers plan's per-invocation limits:
//
//   plan (WORKERS_PLAN)   D1 queries   subrequests   sends per run
//   free (the default)    50           50            20 (override: 1..23)
//   paid                  1,000        10,000        400 (override: 1..970)
//
// D1 statements one run may need, at most, for a budget of L sends
// (max_d1_queries_per_run, every statement of a batch counted):
//
//     1                    the claim (takes at most L reminders)
//   + L                    one write right after each send: its outcome, the
//                          hand-back of a rate-limited chat, or the move of a
//                          migrated chat
//   + floor((L - 1) / 97)  a rate-limited chat's hand-back takes one more
//                          statement per 97 further claims of that chat
//   + ceil(L / 99)         the end of the run: claims never sent handed back,
//                          99 per statement
//   + 1 + floor((L-1)/97)  a write that failed, tried once more at the end
//
// Free: L = 20 gives 23 queries, and 23 + 20 Bot API calls = 43, under 50
// even if D1 queries counted as subrequests (the strict reading); the largest
// L for which that holds is 23. Paid: L = 400 gives 415 of 1,000 queries; the
// largest L under 1,000 is 970. The paid default stays at 400 (about 7
// messages a second when each run takes a minute) for Telegram's sake: about
// 30 messages a second is all a bot may send, and the bot's answers to its
// users share that.
#pragma once

#include <cstdint>
#include <miti/env.hpp>
#include <string>
#include <string_view>

namespace remind {

inline constexpr std::int64_t kSecondMs = 1'000;
inline constexpr std::int64_t kMinuteMs = 60 * kSecondMs;
inline constexpr std::int64_t kDayMs = 1'440 * kMinuteMs;

// /remind
inline constexpr std::int64_t kMinDelayMs = kMinuteMs;
inline constexpr std::int64_t kMaxDelayMs = 365 * kDayMs;
inline constexpr int kMaxOpenPerOwner = 100;  // per miti::Sender id
// In UTF-16 code units, as Telegram counts: with the "⏰ " prefix the
// delivered message always fits one sendMessage (4,096), so one reminder is
// exactly one subrequest.
inline constexpr std::size_t kMaxTextUnits = 4000;

// The ⏰ Snooze button: delivered again this long after the press.
inline constexpr std::int64_t kSnoozeMs = 10 * kMinuteMs;

// deliver
// A run starts no new send after this much wall time ...
inline constexpr std::int64_t kSendWindowMs = 10 * kMinuteMs;
// ... and its claims expire only after the platform has certainly ended it
// (15 minutes), so a live run's claim is never taken over.
inline constexpr std::int64_t kLeaseMs = 16 * kMinuteMs;
// Transient failures (and claims that died with their run) are retried this
// many times in all, with growing delays, then the reminder is marked failed.
inline constexpr int kMaxAttempts = 10;

// Claims per statement (D1 binds at most 100 parameters): a hand-back at the
// end binds next_at and 99 claims; a rate-limited chat's hand-back binds
// next_at, the error, the claim that was refused and 97 more of that chat.
inline constexpr int kReleasePerStatement = 99;
inline constexpr int kDeferOthersPerStatement = 97;

// trim
inline constexpr std::int64_t kKeepFinishedMs = 30 * kDayMs;
inline constexpr int kTrimChunkRows = 1000;
inline constexpr int kMaxTrimStatements = 40;

// ------------------------------------------------------------ per-run budget

enum class Plan { kFree, kPaid };

struct PlanLimits {
  std::string_view name;  // as WORKERS_PLAN spells it
  int d1_queries;         // per invocation
  int subrequests;        // per invocation
  // Free: keep D1 queries and Bot API calls together under the subrequest
  // limit, in case D1 queries count as subrequests.
  bool d1_counts_as_subrequests;
  int default_sends;  // sends per run when REMIND_SENDS_PER_RUN is unset
};

inline constexpr PlanLimits kFreePlan{"free", 50, 50, true, 20};
inline constexpr PlanLimits kPaidPlan{"paid", 1'000, 10'000, false, 400};

constexpr const PlanLimits& limits(Plan plan) {
  return plan == Plan::kPaid ? kPaidPlan : kFreePlan;
}

// The D1 statements one deliver run may run for a budget of `sends` (the
// arithmetic at the top of this file).
constexpr int max_d1_queries_per_run(int sends) {
  const int defer_overflow = sends > 0 ? (sends - 1) / kDeferOthersPerStatement : 0;
  const int end_release = (sends + kReleasePerStatement - 1) / kReleasePerStatement;
  const int retried_write = 1 + defer_overflow;
  return 1 + sends + defer_overflow + end_release + retried_write;
}

// Whether a run of `sends` fits the plan's limits in the worst case.
constexpr bool fits(const PlanLimits& plan, int sends) {
  const int d1 = max_d1_queries_per_run(sends);
  if (d1 > plan.d1_queries || sends > plan.subrequests) return false;
  return !plan.d1_counts_as_subrequests || d1 + sends <= plan.subrequests;
}

// The largest budget that fits: the ceiling REMIND_SENDS_PER_RUN is clamped to.
constexpr int max_sends_per_run(const PlanLimits& plan) {
  int sends = 1;
  while (fits(plan, sends + 1)) ++sends;
  return sends;
}

struct SendBudget {
  Plan plan = Plan::kFree;
  int sends = kFreePlan.default_sends;  // at most this many sendMessage calls per run
};

// WORKERS_PLAN ("free" or "paid", default free) and REMIND_SENDS_PER_RUN
// (an integer, clamped to [1, max_sends_per_run(plan)]) from the environment.
// `problem` (if given) says what was unusable and what was used instead.
SendBudget send_budget(const miti::Env& env, std::string* problem = nullptr);

}  // namespace remind
