#include "remind/queries.hpp"

#include <algorithm>

namespace remind::queries {

using miti::SqlStatement;
using miti::SqlStore;
using miti::SqlValue;

SqlStatement insert_if_below_limit(const NewReminder& r, int max_open) {
  return SqlStore::prepare(
      "INSERT INTO remind_reminders"
      " (chat_id, thread_id, message_id, user_id, text, created_at, due_at, next_at)"
      " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7"
      " WHERE (SELECT COUNT(*) FROM remind_reminders"
      "         WHERE user_id = ?4 AND state IN ('pending', 'sending')) < ?8"
      " RETURNING id",
      r.chat_id, r.thread_id, r.message_id, r.owner, r.text, r.created_at, r.due_at, max_open);
}

SqlStatement list_open(std::int64_t owner, std::int64_t chat_id, int limit) {
  return SqlStore::prepare(
      "SELECT id, due_at, text FROM remind_reminders"
      " WHERE user_id = ?1 AND chat_id = ?2 AND state IN ('pending', 'sending')"
      " ORDER BY due_at, id LIMIT ?3",
      owner, chat_id, limit);
}

SqlStatement delete_pending(std::int64_t id, std::int64_t owner) {
  return SqlStore::prepare(
      "DELETE FROM remind_reminders WHERE id = ?1 AND user_id = ?2 AND state = 'pending'", id,
      owner);
}

SqlStatement claim_due(std::int64_t now, std::int64_t lease_until, int limit, int max_attempts) {
  // SET expressions see the row's old values, so attempts >= ?1 is "already
  // tried max_attempts times". The subquery walks the partial index
  // remind_reminders_queue in next_at order and stops after `limit` rows.
  return SqlStore::prepare(
      "UPDATE remind_reminders SET"
      "   state = CASE WHEN attempts >= ?1 THEN 'failed' ELSE 'sending' END,"
      "   claim = CASE WHEN attempts >= ?1 THEN NULL ELSE lower(hex(randomblob(8))) END,"
      "   attempts = CASE WHEN attempts >= ?1 THEN attempts ELSE attempts + 1 END,"
      "   finished_at = CASE WHEN attempts >= ?1 THEN ?3 ELSE NULL END,"
      "   last_error = CASE WHEN attempts >= ?1"
      "     THEN 'gave up: every delivery attempt ended without an outcome' ELSE last_error END,"
      "   next_at = ?2"
      " WHERE id IN (SELECT id FROM remind_reminders"
      "               WHERE state IN ('pending', 'sending') AND next_at <= ?3"
      "               ORDER BY next_at, id LIMIT ?4)"
      " RETURNING id, chat_id, thread_id, message_id, text, due_at, state, claim, attempts",
      max_attempts, lease_until, now, limit);
}

SqlStatement mark_delivered(std::int64_t id, const std::string& claim, std::int64_t at,
                            std::optional<std::int64_t> delivered_message_id) {
  return SqlStore::prepare(
      "UPDATE remind_reminders SET state = 'delivered', claim = NULL, finished_at = ?1,"
      " last_error = NULL, delivered_message_id = ?4 WHERE id = ?2 AND claim = ?3",
      at, id, claim, delivered_message_id);
}

SqlStatement mark_retry(std::int64_t id, const std::string& claim, std::int64_t next_at,
                        const std::string& error, bool count_attempt) {
  return SqlStore::prepare(
      "UPDATE remind_reminders SET state = 'pending', claim = NULL, next_at = ?1,"
      " last_error = ?2, attempts = attempts - ?3 WHERE id = ?4 AND claim = ?5",
      next_at, error, count_attempt ? 0 : 1, id, claim);
}

SqlStatement mark_failed(std::int64_t id, const std::string& claim, std::int64_t at,
                         const std::string& error) {
  return SqlStore::prepare(
      "UPDATE remind_reminders SET state = 'failed', claim = NULL, finished_at = ?1,"
      " last_error = ?2 WHERE id = ?3 AND claim = ?4",
      at, error, id, claim);
}

std::vector<SqlStatement> release_claims(const std::vector<std::string>& claims,
                                         std::int64_t next_at) {
  constexpr std::size_t kPerStatement = SqlStore::kMaxBoundParameters - 1;  // + next_at
  std::vector<SqlStatement> statements;
  for (std::size_t start = 0; start < claims.size(); start += kPerStatement) {
    std::size_t end = std::min(claims.size(), start + kPerStatement);
    SqlStatement statement{
        "UPDATE remind_reminders SET state = 'pending', claim = NULL, next_at = ?,"
        " attempts = attempts - 1 WHERE state = 'sending' AND claim IN (",
        {SqlValue(next_at)}};
    for (std::size_t i = start; i < end; ++i) {
      statement.query += i == start ? "?" : ", ?";
      statement.binds.emplace_back(claims[i]);
    }
    statement.query += ")";
    statements.push_back(std::move(statement));
  }
  return statements;
}

SqlStatement pressed(std::int64_t id, std::int64_t chat_id) {
  return SqlStore::prepare(
      "SELECT user_id, state, delivered_message_id FROM remind_reminders"
      " WHERE id = ?1 AND chat_id = ?2",
      id, chat_id);
}

SqlStatement snooze(std::int64_t id, std::int64_t chat_id, std::int64_t message_id,
                    std::int64_t presser, std::int64_t until) {
  return SqlStore::prepare(
      "UPDATE remind_reminders SET state = 'pending', due_at = ?5, next_at = ?5, attempts = 0,"
      " claim = NULL, finished_at = NULL, last_error = NULL"
      " WHERE id = ?1 AND chat_id = ?2 AND state = 'delivered' AND delivered_message_id = ?3"
      " AND (user_id = ?4 OR user_id < 0)",
      id, chat_id, message_id, presser, until);
}

SqlStatement trim_finished(std::int64_t cutoff, int limit) {
  return SqlStore::prepare(
      "DELETE FROM remind_reminders WHERE id IN (SELECT id FROM remind_reminders"
      " WHERE state IN ('delivered', 'failed') AND finished_at < ?1"
      " ORDER BY finished_at LIMIT ?2)",
      cutoff, limit);
}

}  // namespace remind::queries
