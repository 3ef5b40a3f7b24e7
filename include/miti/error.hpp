// Errors a module author may catch. Everything derives from miti::Error so one
// catch clause covers the framework's failures.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace miti {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A host operation (KV, D1, fetch) failed; the message is the host's.
class HostError : public Error {
 public:
  using Error::Error;
};

// A host operation did not settle in time (an outbound call past its timeout,
// a KV or D1 call that hangs); the operation was abandoned.
class TimeoutError : public HostError {
 public:
  using HostError::HostError;
};

// The caller passed something the framework refuses (bad key, bad TTL, ...).
class UsageError : public Error {
 public:
  using Error::Error;
};

// A binding the call needs (DB, KV) is not configured for this Worker.
class MissingBindingError : public Error {
 public:
  explicit MissingBindingError(const std::string& binding)
      : Error("the " + binding + " binding is not configured for this Worker") {}
};

// The Telegram Bot API answered ok=false. The subclasses below are the
// answers a bot usually treats differently; error_code() and description()
// carry the rest.
class BotApiError : public Error {
 public:
  BotApiError(std::string method, int code, const std::string& description)
      : Error("Bot API " + method + " failed (" + std::to_string(code) + "): " + description),
        method_(std::move(method)),
        code_(code),
        description_(description) {}
  const std::string& method() const noexcept { return method_; }
  int code() const noexcept { return code_; }
  const std::string& description() const noexcept { return description_; }

 private:
  std::string method_;
  int code_;
  std::string description_;
};

// 429: flood control. Retrying before retry_after() seconds fails again.
// BotApi retries by itself when the wait fits the time left in the request.
class TooManyRequestsError : public BotApiError {
 public:
  TooManyRequestsError(std::string method, const std::string& description, int retry_after)
      : BotApiError(std::move(method), 429, description), retry_after_(retry_after) {}
  int retry_after() const noexcept { return retry_after_; }

 private:
  int retry_after_;
};

// 400 with migrate_to_chat_id: the group became a supergroup with a new id;
// send to new_chat_id() instead (and update anything stored under the old).
class ChatMigratedError : public BotApiError {
 public:
  ChatMigratedError(std::string method, const std::string& description, std::int64_t new_chat_id)
      : BotApiError(std::move(method), 400, description), new_chat_id_(new_chat_id) {}
  std::int64_t new_chat_id() const noexcept { return new_chat_id_; }

 private:
  std::int64_t new_chat_id_;
};

// 403: the bot was blocked by the user, or removed from the group or channel.
class ForbiddenError : public BotApiError {
 public:
  ForbiddenError(std::string method, const std::string& description)
      : BotApiError(std::move(method), 403, description) {}
};

}  // namespace miti
