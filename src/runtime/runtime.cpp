#include "runtime/runtime.hpp"

#include "miti/error.hpp"
#include "runtime/host_operation.hpp"
#include "runtime/request_scope.hpp"

namespace miti::runtime {

void Runtime::submit(RequestId request, HostOperation& operation, std::string_view op_json) {
  OperationId id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;  // 0 is never a valid id
  operation.assign_id(id);
  pending_.try_emplace(id, &operation);
  host_.submit(request, id, op_json);
}

void Runtime::complete(OperationId id, OpStatus status, std::string payload) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  HostOperation* operation = it->second;
  pending_.erase(it);
  operation->deliver(status, std::move(payload));
}

HostOperation::~HostOperation() {
  if (state_ == State::kSubmitting || state_ == State::kWaiting) runtime_.forget(id_);
}

bool HostOperation::await_suspend(coro::coroutine_handle<> awaiting) {
  awaiting_ = awaiting;
  state_ = State::kSubmitting;
  runtime_.submit(request_, *this, op_json_);
  if (state_ == State::kDone) return false;  // the host answered synchronously
  state_ = State::kWaiting;
  return true;
}

void HostOperation::deliver(OpStatus status, std::string payload) {
  bool was_waiting = state_ == State::kWaiting;
  state_ = State::kDone;
  reply_ = HostReply{status, std::move(payload)};
  if (was_waiting) awaiting_.resume();
}

}  // namespace miti::runtime

namespace miti::runtime {

HostOperation::HostOperation(RequestScope& scope, std::string op_json)
    : HostOperation(scope.runtime, scope.id, std::move(op_json)) {}

std::string HostOperation::take_payload() {
  if (immediate()) return {};
  if (reply_.status == OpStatus::kTimedOut) throw TimeoutError(reply_.payload);
  if (!reply_.ok()) throw HostError(reply_.payload);
  return std::move(reply_.payload);
}

}  // namespace miti::runtime
