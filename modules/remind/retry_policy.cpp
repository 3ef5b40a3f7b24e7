#include "remind/retry_policy.hpp"

#include <algorithm>

#include "remind/config.hpp"

namespace remind {

std::int64_t retry_delay_ms(int attempts) {
  if (attempts <= 1) return 0;
  int exponent = std::min(attempts - 1, 7);
  std::int64_t minutes = (std::int64_t{1} << exponent) - 1;
  return std::min<std::int64_t>(minutes, 60) * kMinuteMs;
}

FailureDecision decide_failure(int error_code, int attempts) {
  switch (error_code) {
    case 400:
    case 403:
      return {.give_up = true};
    case 401:
    case 404:
    case 429:
      return {.retry_delay_ms = 0, .count_attempt = false, .stop_run = true};
    default:
      if (attempts >= kMaxAttempts) return {.give_up = true};
      return {.retry_delay_ms = retry_delay_ms(attempts)};
  }
}

}  // namespace remind
