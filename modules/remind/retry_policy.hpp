// What deliver does after a failed sendMessage. Pure, so it is unit tested.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace remind {

// Why a sendMessage failed, as far as deliver cares.
enum class FailureKind {
  kFloodControl,  // 429: this chat gets too much; wait retry_after seconds
  kChatMigrated,  // 400 with migrate_to_chat_id: the group is a supergroup now
  kForbidden,     // 403: the bot was blocked, or removed from the chat
  kBadRequest,    // any other 400: chat or topic gone, text refused
  kBotWide,       // 401, 404: the token or the API base is wrong
  kTransient,     // 5xx, other codes, no answer (network failure, timeout)
};

struct SendFailure {
  FailureKind kind = FailureKind::kTransient;
  int code = 0;                  // the Bot API's error_code; 0: no answer at all
  int retry_after_s = 0;         // kFloodControl
  std::int64_t new_chat_id = 0;  // kChatMigrated
  std::string description;       // for last_error and the log
};

// The failure an exception from BotApi::call stands for: the typed errors of
// miti/error.hpp (TooManyRequestsError, ChatMigratedError, ForbiddenError,
// BotApiError with its code, TimeoutError), anything else transient.
SendFailure classify_send_failure(std::exception_ptr error);

enum class Action {
  kRetry,      // back to 'pending', next_at = now + retry_delay_ms
  kGiveUp,     // 'failed', never sent again
  kDeferChat,  // kRetry for this reminder and every other reminder of its chat
               // claimed in this run (those unsent); the run goes on with the others
  kMoveChat,   // move the chat's unfinished reminders to the new id, send again now
};

struct FailureDecision {
  Action action = Action::kRetry;
  std::int64_t retry_delay_ms = 0;  // kRetry, kDeferChat
  bool count_attempt = true;        // false: the reminder was not at fault
  bool stop_run = false;            // send nothing more in this run
};

// attempts: how many times this reminder has now been tried, this one
// included. moved: it was already sent again to a migrated chat's new id in
// this run (it is sent again only once).
//
//  429        defer the chat for retry_after (at least a second), uncounted.
//  migrated   move the chat and send again, once; a second migration in the
//             same run is retried like a transient failure.
//  400, 403   the chat or topic is gone, the bot was blocked or removed:
//             retrying cannot help, give up at once.
//  401, 404   every send would fail the same way: stop the run, retry next
//             run, uncounted.
//  anything   else (5xx, network, timeout): retry with a growing delay, give
//             up after kMaxAttempts.
FailureDecision decide_failure(const SendFailure& failure, int attempts, bool moved = false);

// Delay before try number attempts + 1: 0 (the next run), then 1, 3, 7, 15,
// 31 minutes, capped at an hour.
std::int64_t retry_delay_ms(int attempts);

}  // namespace remind
