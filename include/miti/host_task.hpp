// HostTask<T>: what store and Bot API calls return. One operation sent to the
// host (KV, D1, fetch) and its result decoded by a plain function when the
// host answers. `co_await` it like a Task; unlike a Task it has no coroutine
// frame of its own, which keeps the Worker's wasm small and the per-call cost
// low. It starts when awaited (lazily), and must be awaited right away:
//
//   std::optional<std::string> value = co_await ctx.db().get("key");
//
// A failure arrives as an exception at the co_await: HostError (the host's
// message), TimeoutError (no answer within its bound), or whatever the
// decoder throws (UsageError, BotApiError, ...).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "miti/coroutine.hpp"

namespace miti {

namespace runtime {

class Runtime;
struct RequestScope;
using RequestId = std::uint32_t;
using OperationId = std::uint32_t;

// How a host operation ended (the values cross the JS boundary).
enum class OpStatus : int {
  kFailed = 0,    // the payload is the host's error message
  kOk = 1,        // the payload is the JSON result
  kTimedOut = 2,  // abandoned after its timeout; the payload says which
};

struct HostReply {
  OpStatus status = OpStatus::kFailed;
  std::string payload;  // JSON on success, the error message otherwise
  bool ok() const noexcept { return status == OpStatus::kOk; }
};

// The awaitable behind every host call: it sends one operation to the host
// and suspends the awaiting coroutine until the host answers. Neither copied
// nor moved: its address is registered with the runtime while it waits.
class HostOperation {
 public:
  HostOperation(Runtime& runtime, RequestId request, std::string op_json)
      : runtime_(runtime), request_(request), op_json_(std::move(op_json)) {}
  HostOperation(RequestScope& scope, std::string op_json);
  HostOperation(const HostOperation&) = delete;
  HostOperation& operator=(const HostOperation&) = delete;
  ~HostOperation();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(coro::coroutine_handle<> awaiting);
  HostReply await_resume() noexcept { return std::move(reply_); }

  // An operation with no text is never sent: it is done at once, with an
  // empty payload (for calls that turn out to need no round trip).
  bool immediate() const noexcept { return op_json_.empty() && state_ == State::kCreated; }
  // The payload of a successful answer; HostError or TimeoutError otherwise.
  std::string take_payload();

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

}  // namespace runtime

// What a decoder gets: the answer's payload, and what the call left for it.
struct HostAnswer {
  std::string& payload;
  const void* context;        // e.g. the store that made the call
  const std::string& detail;  // e.g. the query, for messages
};

template <typename T>
class [[nodiscard]] HostTask {
 public:
  using Decode = T (*)(HostAnswer answer);

  HostTask(runtime::RequestScope& scope, std::string op_json, Decode decode,
           const void* context = nullptr, std::string detail = {})
      : operation_(scope, std::move(op_json)),
        decode_(decode),
        context_(context),
        detail_(std::move(detail)) {}
  HostTask(const HostTask&) = delete;
  HostTask& operator=(const HostTask&) = delete;

  bool await_ready() const noexcept { return operation_.immediate(); }
  bool await_suspend(coro::coroutine_handle<> awaiting) {
    return operation_.await_suspend(awaiting);
  }
  T await_resume() {
    std::string payload = operation_.take_payload();
    return decode_(HostAnswer{payload, context_, detail_});
  }

 private:
  runtime::HostOperation operation_;
  Decode decode_;
  const void* context_;
  std::string detail_;
};

}  // namespace miti
