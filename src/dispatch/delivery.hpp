// At most once per update: each routed update_id is recorded in D1 (the
// framework's table miti_updates) before its handler runs. See
// docs/architecture.md, "Delivery semantics", for the whole design.
//
// A delivery claims its update with a random token and a lease:
//   - a new update_id: the claim is inserted, the handler runs;
//   - 'done': an earlier delivery took effect, this one is skipped;
//   - 'running' with a live lease: an earlier delivery may still be working;
//     this one waits (sleeping, re-reading now and then) until it is done or
//     its lease runs out;
//   - 'running' with an expired lease: the earlier delivery died half-way
//     (the isolate was killed); this one takes the claim over and runs again.
// After the handler the record becomes 'done' (after the webhook answer, so
// the answer is not delayed). Statements that must apply only while this
// delivery holds the claim carry a guard (see ClaimGuard).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dispatch/conversations.hpp"
#include "miti/sql_store.hpp"

namespace miti::dispatch {

// How long a claim protects a delivery. A webhook handler runs at most until
// the background threshold plus the 30 s a Worker may continue after its
// answer (waitUntil), so past this a 'running' claim's owner is gone.
inline constexpr std::int64_t kDeliveryLeaseMs = 60'000;
// Records older than this are trimmed (Telegram gives up re-sending after 24 h).
inline constexpr std::int64_t kDeliveryKeepMs = 48LL * 3'600'000;

struct Claim {
  std::int64_t update_id = 0;
  std::string token;
};

// INSERT ... ON CONFLICT DO UPDATE (only when the old lease has run out)
// RETURNING claim: a row back means this delivery holds the claim.
SqlStatement claim_update(const Claim& claim, std::int64_t now, std::int64_t lease_ms);
bool claimed(const std::vector<SqlRow>& rows, const Claim& claim);

// The record as it is: state and lease_until.
SqlStatement read_update(std::int64_t update_id);

enum class Verdict {
  kRun,       // no record: claim it (after a lost race, claim again)
  kSkip,      // done: the update took effect already
  kWait,      // running under a live lease: wait and look again
  kTakeOver,  // running, lease expired: the earlier delivery died; claim it
};
struct Observed {
  std::optional<std::string> state;  // nullopt: no record
  std::int64_t lease_until = 0;
};
Verdict judge(const Observed& record, std::int64_t now);
Observed observed(const std::vector<SqlRow>& rows);

// How long a waiting delivery sleeps before looking again (the n-th look,
// from 0): 500 ms doubling up to 8 s, never past the lease.
std::int64_t wait_before_look(int look, std::int64_t now, std::int64_t lease_until);

// Marks the update done (guarded by the claim token).
SqlStatement finish_update(const Claim& claim);

// The guard for statements that belong to this delivery's claim.
ClaimGuard guard_for(const Claim& claim);

// Deletes records received before `cutoff`, at most `limit` rows.
SqlStatement trim_updates(std::int64_t cutoff, int limit);

}  // namespace miti::dispatch
