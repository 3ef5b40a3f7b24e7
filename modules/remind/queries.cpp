#include "remind/queries.hpp"

#include <algorithm>

#include "remind/config.hpp"

namespace remind::queries {

using miti::SqlStatement;
using miti::SqlStore;
using miti::SqlValue;

namespace {

// "?4, ?5, ?6" for `count` parameters numbered from `first`.
std::string placeholders(std::size_t first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "?" : ", ?") + std::to_string(first + i);
  }
  return out;
}

// `head` + "<lead>, <claims>)" for each chunk of up to `per_statement`
// claims, every statement binding `fixed` first (?1, ?2, ...) and then its
// claims; one statement even for no claims when there is a lead.
std::vector<SqlStatement> chunked(const std::string& head, const std::vector<SqlValue>& fixed,
                                  std::string_view lead, const std::vector<std::string>& claims,
                                  std::size_t per_statement) {
  const bool at_least_one = !lead.empty();
  std::vector<SqlStatement> statements;
  for (std::size_t start = 0; start < claims.size() || (at_least_one && statements.empty());
       start += per_statement) {
    std::size_t end = std::min(claims.size(), start + per_statement);
    SqlStatement statement{head, fixed};
    std::string list = placeholders(fixed.size() + 1, end - start);
    if (!lead.empty()) {
      std::string joined(lead);
      if (!list.empty()) {
        joined += ", ";
        joined += list;
      }
      list = std::move(joined);
    }
    statement.query += list + ")";
    for (std::size_t i = start; i < end; ++i) statement.binds.emplace_back(claims[i]);
    statements.push_back(std::move(statement));
  }
  return statements;
}

}  // namespace

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

std::vector<SqlStatement> defer_chat(const std::string& refused, const std::string& error,
                                     std::int64_t next_at, const std::vector<std::string>& others) {
  // SET sees the old claim, so only the refused row keeps the error. Every
  // chunk lists the refused claim; after the first it matches nothing.
  static_assert(kDeferOthersPerStatement + 3 <= SqlStore::kMaxBoundParameters);
  return chunked(
      "UPDATE remind_reminders SET state = 'pending', claim = NULL, next_at = ?1,"
      " last_error = CASE WHEN claim = ?2 THEN ?3 ELSE last_error END,"
      " attempts = attempts - 1 WHERE state = 'sending' AND claim IN (",
      {SqlValue(next_at), SqlValue(refused), SqlValue(error)}, "?2", others,
      kDeferOthersPerStatement);
}

SqlStatement move_chat(std::int64_t old_chat_id, std::int64_t new_chat_id) {
  // Walks the partial index remind_reminders_open_by_chat.
  return SqlStore::prepare(
      "UPDATE remind_reminders SET chat_id = ?2"
      " WHERE chat_id = ?1 AND state IN ('pending', 'sending')",
      old_chat_id, new_chat_id);
}

std::vector<SqlStatement> release_claims(const std::vector<std::string>& claims,
                                         std::int64_t next_at) {
  static_assert(kReleasePerStatement + 1 <= SqlStore::kMaxBoundParameters);
  return chunked(
      "UPDATE remind_reminders SET state = 'pending', claim = NULL, next_at = ?1,"
      " attempts = attempts - 1 WHERE state = 'sending' AND claim IN (",
      {SqlValue(next_at)}, "", claims, kReleasePerStatement);
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
