// What deliver does after a failed sendMessage. Pure, so it is unit tested.
#pragma once

#include <cstdint>

namespace remind {

struct FailureDecision {
  bool give_up = false;             // mark 'failed' and never send it
  std::int64_t retry_delay_ms = 0;  // otherwise: next_at = now + this
  bool count_attempt = true;        // false: the reminder was not at fault
  bool stop_run = false;            // send nothing more in this run
};

// error_code: the Bot API's error_code, or 0 when the request never got an
// answer (network failure). attempts: how many times this reminder has now
// been tried, this one included.
//
//  400, 403  the chat or topic is gone, the bot was blocked or removed:
//            retrying cannot help, give up at once.
//  429       flood control: stop the run, retry next run, uncounted.
//  401, 404  the token or the API base is wrong, every send would fail the
//            same way: stop the run, retry next run, uncounted.
//  anything  else (5xx, network): retry with a growing delay, then give up
//            after kMaxAttempts.
FailureDecision decide_failure(int error_code, int attempts);

// Delay before try number attempts + 1: 0 (the next run), then 1, 3, 7, 15,
// 31 minutes, capped at an hour.
std::int64_t retry_delay_ms(int attempts);

}  // namespace remind
