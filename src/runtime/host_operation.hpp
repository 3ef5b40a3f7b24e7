// The awaitable behind every KV, D1 and fetch call: it sends one operation to
// the host and suspends the calling coroutine until the host answers.
#pragma once

#include <string>

#include "miti/coroutine.hpp"
#include "runtime/host.hpp"

namespace miti::runtime {

class Runtime;

struct HostReply {
  OpStatus status = OpStatus::kFailed;
  std::string payload;  // JSON on success, the error message otherwise
  bool ok() const noexcept { return status == OpStatus::kOk; }
};

class HostOperation {
 public:
  HostOperation(Runtime& runtime, RequestId request, std::string op_json)
      : runtime_(runtime), request_(request), op_json_(std::move(op_json)) {}
  HostOperation(const HostOperation&) = delete;
  HostOperation& operator=(const HostOperation&) = delete;
  ~HostOperation();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(coro::coroutine_handle<> awaiting);
  HostReply await_resume() noexcept { return std::move(reply_); }

 private:
  friend class Runtime;
  enum class State { kCreated, kSubmitting, kWaiting, kDone };

  void assign_id(OperationId id) noexcept { id_ = id; }
  void deliver(OpStatus status, std::string payload);

  Runtime& runtime_;
  RequestId request_;
  std::string op_json_;
  OperationId id_ = 0;
  State state_ = State::kCreated;
  coro::coroutine_handle<> awaiting_;
  HostReply reply_;
};

}  // namespace miti::runtime
