#include "dispatch/conversations.hpp"

#include "miti/fields.hpp"
#include "runtime/request_scope.hpp"

namespace miti::dispatch {

namespace {
constexpr std::string_view kFramework = "miti";

struct TakenRow {
  std::string module;
  std::string step;
  std::string state;
  std::int64_t expires_at = 0;
};
MITI_FIELDS(TakenRow, module, step, state, expires_at)

SqlStatement guarded(std::string query, std::vector<SqlValue> binds, const ClaimGuard& guard) {
  query += guard.sql;
  binds.insert(binds.end(), guard.binds.begin(), guard.binds.end());
  return SqlStatement{std::move(query), std::move(binds)};
}
}  // namespace

Task<void> save_conversation(runtime::RequestScope& scope, const Conversation& conversation) {
  SqlStore sql(scope, std::string(kFramework));
  co_await sql.run(
      "INSERT INTO miti_conversations"
      " (chat_id, owner_id, module, step, state, expires_at, asked_by_update)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
      " ON CONFLICT (chat_id, owner_id) DO UPDATE SET module = ?3, step = ?4, state = ?5,"
      " expires_at = ?6, asked_by_update = ?7",
      conversation.chat_id, conversation.owner_id, conversation.module, conversation.step,
      conversation.state.dump(), conversation.expires_at, conversation.asked_by_update);
}

SqlStatement end_conversation(std::int64_t chat_id, std::int64_t owner_id,
                              const ClaimGuard& guard) {
  return guarded("DELETE FROM miti_conversations WHERE chat_id = ? AND owner_id = ?",
                 {chat_id, owner_id}, guard);
}

SqlStatement take_conversation(std::int64_t chat_id, std::int64_t owner_id, std::int64_t update_id,
                               const ClaimGuard& guard) {
  SqlStatement statement = guarded(
      "DELETE FROM miti_conversations WHERE chat_id = ? AND owner_id = ? AND asked_by_update < ?",
      {chat_id, owner_id, update_id}, guard);
  statement.query += " RETURNING module, step, state, expires_at";
  return statement;
}

std::optional<Conversation> taken_conversation(const std::vector<SqlRow>& rows,
                                               std::int64_t chat_id, std::int64_t owner_id,
                                               std::int64_t now) {
  if (rows.empty()) return std::nullopt;
  auto row = rows.front().as<TakenRow>();
  if (row.expires_at <= now) return std::nullopt;
  return Conversation{
      .chat_id = chat_id,
      .owner_id = owner_id,
      .module = std::move(row.module),
      .step = std::move(row.step),
      .state = Json::try_parse(row.state).value_or(Json()),
      .expires_at = row.expires_at,
  };
}

SqlStatement trim_conversations(std::int64_t cutoff, int limit) {
  return SqlStore::prepare(
      "DELETE FROM miti_conversations WHERE rowid IN (SELECT rowid FROM miti_conversations"
      " WHERE expires_at < ? LIMIT ?)",
      cutoff, limit);
}

}  // namespace miti::dispatch
