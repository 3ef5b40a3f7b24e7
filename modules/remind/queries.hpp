// Every SQL statement remind runs, and the rows they return, in one place, so
// that the indexes in migrations/ can be checked against them. Every
// statement binds a fixed, small number of parameters, except the hand-backs
// (release_claims, defer_chat), which are split to stay within D1's 100.
//
// user_id is the reminder's owner (miti::Sender's id): a user (id > 0), or
// the chat a message was sent on behalf of (id < 0: an anonymous group
// admin, a channel). The column kept its name when it took that meaning.
#pragma once

#include <cstdint>
#include <miti/fields.hpp>
#include <miti/sql_store.hpp>
#include <optional>
#include <string>
#include <vector>

namespace remind::queries {

// ---------------------------------------------------------------- rows

// What insert_if_below_limit returns.
struct NewId {
  std::int64_t id = 0;
};
MITI_FIELDS(NewId, id)

// A line of /reminders.
struct OpenReminder {
  std::int64_t id = 0;
  std::int64_t due_at = 0;
  std::string text;
};
MITI_FIELDS(OpenReminder, id, due_at, text)

// A reminder claimed by a deliver run.
struct Claimed {
  std::int64_t id = 0;
  std::int64_t chat_id = 0;
  std::optional<std::int64_t> thread_id;   // the forum topic it was set in
  std::optional<std::int64_t> message_id;  // the /remind message, replied to
  std::string text;
  std::int64_t due_at = 0;
  std::string state;                 // 'sending', or 'failed': the claim gave up on it
  std::optional<std::string> claim;  // this run's token (NULL when given up)
  int attempts = 0;                  // this one included
};
MITI_FIELDS(Claimed, id, chat_id, thread_id, message_id, text, due_at, state, claim, attempts)

// What a button press needs to know about its reminder.
struct Pressed {
  std::int64_t user_id = 0;  // the owner
  std::string state;
  std::optional<std::int64_t> delivered_message_id;
};
MITI_FIELDS(Pressed, user_id, state, delivered_message_id)

// ---------------------------------------------------------------- commands

struct NewReminder {
  std::int64_t chat_id = 0;
  std::optional<std::int64_t> thread_id;
  std::optional<std::int64_t> message_id;
  std::int64_t owner = 0;
  std::string text;
  std::int64_t created_at = 0;
  std::int64_t due_at = 0;
};

// Inserts unless the owner already has max_open unfinished reminders, in one
// statement so two concurrent /remind cannot both squeeze past the limit.
// RETURNING id (NewId): no row means refused.
miti::SqlStatement insert_if_below_limit(const NewReminder& reminder, int max_open);

// The owner's unfinished reminders in a chat, soonest first (OpenReminder).
miti::SqlStatement list_open(std::int64_t owner, std::int64_t chat_id, int limit);

// Deletes the owner's own pending reminder. Like every write below that only
// needs to know whether it applied, it has no RETURNING: run it with run() and
// read SqlRunResult::changes (0: nothing matched).
miti::SqlStatement delete_pending(std::int64_t id, std::int64_t owner);

// ---------------------------------------------------------------- deliver

// Claims up to `limit` due rows in one atomic statement: pending rows whose
// next_at has come, and 'sending' rows whose lease has expired. Each gets a
// fresh random claim token and next_at = lease_until. A row already tried
// max_attempts times is marked failed instead (a reminder whose every claim
// died with its run must not block the queue forever). RETURNING Claimed.
miti::SqlStatement claim_due(std::int64_t now, std::int64_t lease_until, int limit,
                             int max_attempts);

// The guarded outcomes of one send: each applies only while the row still
// carries this run's claim token (changes == 0: the claim was lost).
miti::SqlStatement mark_delivered(std::int64_t id, const std::string& claim, std::int64_t at,
                                  std::optional<std::int64_t> delivered_message_id);
miti::SqlStatement mark_retry(std::int64_t id, const std::string& claim, std::int64_t next_at,
                              const std::string& error, bool count_attempt);
miti::SqlStatement mark_failed(std::int64_t id, const std::string& claim, std::int64_t at,
                               const std::string& error);

// A chat answered 429: the refused reminder (`refused`, which keeps `error`)
// and the chat's other claims of this run go back to pending at next_at, the
// attempt uncounted. One statement per 97 other claims (at least one).
std::vector<miti::SqlStatement> defer_chat(const std::string& refused, const std::string& error,
                                           std::int64_t next_at,
                                           const std::vector<std::string>& others);

// A group became a supergroup: its unfinished reminders follow it.
miti::SqlStatement move_chat(std::int64_t old_chat_id, std::int64_t new_chat_id);

// Hands claimed-but-unsent rows back (the attempt is not counted); one
// statement per 99 claims.
std::vector<miti::SqlStatement> release_claims(const std::vector<std::string>& claims,
                                               std::int64_t next_at);

// ---------------------------------------------------------------- buttons

// The row a button under a delivered reminder belongs to (Pressed).
miti::SqlStatement pressed(std::int64_t id, std::int64_t chat_id);

// ⏰ Snooze: back to pending, due (and next_at) at `until`, attempts reset,
// only while the reminder is still the delivery with this message and the
// presser may press it (the owner, or anyone when a chat owns it). A second
// press finds it pending and changes nothing (changes == 0).
miti::SqlStatement snooze(std::int64_t id, std::int64_t chat_id, std::int64_t message_id,
                          std::int64_t presser, std::int64_t until);

// ---------------------------------------------------------------- trim

// Deletes up to `limit` rows that finished before `cutoff` (changes: how many).
miti::SqlStatement trim_finished(std::int64_t cutoff, int limit);

}  // namespace remind::queries
