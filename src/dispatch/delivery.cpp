#include "dispatch/delivery.hpp"

#include <algorithm>

#include "miti/fields.hpp"

namespace miti::dispatch {

namespace {
struct ClaimRow {
  std::string claim;
};
MITI_FIELDS(ClaimRow, claim)

struct StateRow {
  std::string state;
  std::int64_t lease_until = 0;
};
MITI_FIELDS(StateRow, state, lease_until)
}  // namespace

SqlStatement claim_update(const Claim& claim, std::int64_t now, std::int64_t lease_ms) {
  return SqlStore::prepare(
      "INSERT INTO miti_updates (update_id, claim, state, lease_until, received_at)"
      " VALUES (?1, ?2, 'running', ?3, ?4)"
      " ON CONFLICT (update_id) DO UPDATE SET claim = ?2, lease_until = ?3,"
      " attempts = miti_updates.attempts + 1"
      " WHERE miti_updates.state = 'running' AND miti_updates.lease_until <= ?4"
      " RETURNING claim",
      claim.update_id, claim.token, now + lease_ms, now);
}

bool claimed(const std::vector<SqlRow>& rows, const Claim& claim) {
  return !rows.empty() && rows.front().as<ClaimRow>().claim == claim.token;
}

SqlStatement read_update(std::int64_t update_id) {
  return SqlStore::prepare("SELECT state, lease_until FROM miti_updates WHERE update_id = ?",
                           update_id);
}

Observed observed(const std::vector<SqlRow>& rows) {
  if (rows.empty()) return {};
  auto row = rows.front().as<StateRow>();
  return Observed{std::move(row.state), row.lease_until};
}

Verdict judge(const Observed& record, std::int64_t now) {
  if (!record.state) return Verdict::kRun;
  if (*record.state == "done") return Verdict::kSkip;
  return record.lease_until <= now ? Verdict::kTakeOver : Verdict::kWait;
}

std::int64_t wait_before_look(int look, std::int64_t now, std::int64_t lease_until) {
  const std::int64_t backoff = std::int64_t{500} << std::clamp(look, 0, 4);
  // Look again no later than just after the lease runs out.
  return std::clamp<std::int64_t>(std::min(backoff, lease_until - now + 1), 1, 8'000);
}

SqlStatement finish_update(const Claim& claim) {
  return SqlStore::prepare(
      "UPDATE miti_updates SET state = 'done' WHERE update_id = ? AND claim = ?", claim.update_id,
      claim.token);
}

ClaimGuard guard_for(const Claim& claim) {
  return ClaimGuard{" AND EXISTS (SELECT 1 FROM miti_updates WHERE update_id = ? AND claim = ?)",
                    {SqlValue(claim.update_id), SqlValue(claim.token)}};
}

SqlStatement trim_updates(std::int64_t cutoff, int limit) {
  return SqlStore::prepare(
      "DELETE FROM miti_updates WHERE update_id IN (SELECT update_id FROM miti_updates"
      " WHERE received_at < ? LIMIT ?)",
      cutoff, limit);
}

}  // namespace miti::dispatch
