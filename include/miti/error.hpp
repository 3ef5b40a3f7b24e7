// Errors a module author may catch. Everything derives from miti::Error so one
// catch clause covers the framework's failures.
#pragma once

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

// The Telegram Bot API answered ok=false.
class BotApiError : public Error {
 public:
  BotApiError(std::string method, int code, const std::string& description)
      : Error("Bot API " + method + " failed (" + std::to_string(code) + "): " + description),
        method_(std::move(method)),
        code_(code) {}
  const std::string& method() const noexcept { return method_; }
  int code() const noexcept { return code_; }

 private:
  std::string method_;
  int code_;
};

}  // namespace miti
