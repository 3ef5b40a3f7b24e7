// remind's limits in one place. The numbers follow the Workers Free plan:
// 50 D1 queries and 50 subrequests per invocation, 100 bound parameters per
// statement, cron invocations cut off after 15 minutes of wall time.
#pragma once

#include <cstdint>
#include <miti/env.hpp>
#include <string>

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

// deliver: a run sends at most this many reminders, one sendMessage and one
// D1 write each, plus one claim and at most a few release statements: with the
// default of 20 that is at most 23 D1 queries and 20 subrequests, so even if
// D1 queries counted as subrequests a run stays under 50.
inline constexpr int kDefaultSendsPerRun = 20;
// REMIND_SENDS_PER_RUN may raise it for the Paid plan (1,000 D1 queries,
// 10,000 subrequests); never beyond this.
inline constexpr int kMaxSendsPerRun = 400;
// A run starts no new send after this much wall time ...
inline constexpr std::int64_t kSendWindowMs = 10 * kMinuteMs;
// ... and its claims expire only after the platform has certainly ended it
// (15 minutes), so a live run's claim is never taken over.
inline constexpr std::int64_t kLeaseMs = 16 * kMinuteMs;
// Transient failures (and claims that died with their run) are retried this
// many times in all, with growing delays, then the reminder is marked failed.
inline constexpr int kMaxAttempts = 10;

// trim
inline constexpr std::int64_t kKeepFinishedMs = 30 * kDayMs;
inline constexpr int kTrimChunkRows = 1000;
inline constexpr int kMaxTrimStatements = 40;

// REMIND_SENDS_PER_RUN from the environment, clamped to
// [1, kMaxSendsPerRun]; the default when unset. `problem` (if given) is set
// when the value was unusable and the default or a bound was used instead.
int sends_per_run(const miti::Env& env, std::string* problem = nullptr);

}  // namespace remind
