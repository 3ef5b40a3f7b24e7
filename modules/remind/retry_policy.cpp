#include "remind/retry_policy.hpp"

#include <algorithm>
#include <miti/error.hpp>

#include "remind/config.hpp"

namespace remind {

SendFailure classify_send_failure(std::exception_ptr error) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const miti::TooManyRequestsError& e) {
    return {.kind = FailureKind::kFloodControl,
            .code = e.code(),
            .retry_after_s = e.retry_after(),
            .description = e.what()};
  } catch (const miti::ChatMigratedError& e) {
    return {.kind = FailureKind::kChatMigrated,
            .code = e.code(),
            .new_chat_id = e.new_chat_id(),
            .description = e.what()};
  } catch (const miti::ForbiddenError& e) {
    return {.kind = FailureKind::kForbidden, .code = e.code(), .description = e.what()};
  } catch (const miti::BotApiError& e) {
    FailureKind kind = FailureKind::kTransient;
    if (e.code() == 400) kind = FailureKind::kBadRequest;
    if (e.code() == 401 || e.code() == 404) kind = FailureKind::kBotWide;
    return {.kind = kind, .code = e.code(), .description = e.what()};
  } catch (const miti::TimeoutError& e) {
    return {.description = std::string("no answer in time: ") + e.what()};
  } catch (const std::exception& e) {
    return {.description = e.what()};
  } catch (...) {
    return {.description = "unknown failure"};
  }
}

std::int64_t retry_delay_ms(int attempts) {
  if (attempts <= 1) return 0;
  int exponent = std::min(attempts - 1, 7);
  std::int64_t minutes = (std::int64_t{1} << exponent) - 1;
  return std::min<std::int64_t>(minutes, 60) * kMinuteMs;
}

FailureDecision decide_failure(const SendFailure& failure, int attempts, bool moved) {
  switch (failure.kind) {
    case FailureKind::kFloodControl:
      return {.action = Action::kDeferChat,
              .retry_delay_ms = std::max(1, failure.retry_after_s) * kSecondMs,
              .count_attempt = false};
    case FailureKind::kChatMigrated:
      if (!moved) return {.action = Action::kMoveChat, .count_attempt = false};
      break;  // migrated again within one run: retried like a transient failure
    case FailureKind::kForbidden:
    case FailureKind::kBadRequest:
      return {.action = Action::kGiveUp};
    case FailureKind::kBotWide:
      return {.action = Action::kRetry, .count_attempt = false, .stop_run = true};
    case FailureKind::kTransient:
      break;
  }
  if (attempts >= kMaxAttempts) return {.action = Action::kGiveUp};
  return {.action = Action::kRetry, .retry_delay_ms = retry_delay_ms(attempts)};
}

}  // namespace remind
