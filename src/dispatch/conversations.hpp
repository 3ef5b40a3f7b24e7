// Pending conversations ("ask, then take the next plain message"), kept in
// D1 in the framework's table miti_conversations (src/migrations/). No C++
// frame waits across updates: a question is stored as the module, the step
// to resume by name, a small JSON state and an expiry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "miti/json.hpp"
#include "miti/sql_store.hpp"
#include "miti/task.hpp"

namespace miti::runtime {
struct RequestScope;
}

namespace miti::dispatch {

struct Conversation {
  std::int64_t chat_id = 0;
  std::int64_t owner_id = 0;  // Sender::id of the person asked
  std::string module;
  std::string step;
  Json state;
  std::int64_t expires_at = 0;       // epoch ms
  std::int64_t asked_by_update = 0;  // update_id of the update that asked
};

// Stores (or replaces) the chat's pending question for its owner.
Task<void> save_conversation(runtime::RequestScope& scope, const Conversation& conversation);

// A condition appended to a statement's WHERE so that it applies only while
// this delivery holds its update's claim (see delivery.hpp); empty when
// deliveries are not recorded.
struct ClaimGuard {
  std::string sql;  // " AND EXISTS (...)" or ""
  std::vector<SqlValue> binds;
};

// Ends the owner's pending conversation in the chat (a command came first).
SqlStatement end_conversation(std::int64_t chat_id, std::int64_t owner_id, const ClaimGuard& guard);

// Takes the owner's pending conversation in the chat, deleting it in the
// same statement so it is answered once: RETURNING module, step, state,
// expires_at (an expired row is taken too, and ignored by the caller). Only
// a question asked by an earlier update than `update_id` is taken: a
// re-delivered answer finds its own follow-up question and leaves it.
SqlStatement take_conversation(std::int64_t chat_id, std::int64_t owner_id, std::int64_t update_id,
                               const ClaimGuard& guard);
// The row take_conversation returned, if it had not expired by `now`.
std::optional<Conversation> taken_conversation(const std::vector<SqlRow>& rows,
                                               std::int64_t chat_id, std::int64_t owner_id,
                                               std::int64_t now);

// Deletes conversations that expired before `cutoff`, at most `limit` rows.
SqlStatement trim_conversations(std::int64_t cutoff, int limit);

}  // namespace miti::dispatch
