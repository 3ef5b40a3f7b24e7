#include "miti/error.hpp"
#include "runtime/host_operation.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti::runtime {

Task<Json> host_call(RequestScope& scope, const Json& op) {
  HostReply reply = co_await HostOperation(scope.runtime, scope.id, op.dump());
  if (reply.status == OpStatus::kTimedOut) throw TimeoutError(reply.payload);
  if (!reply.ok()) throw HostError(reply.payload);
  std::optional<Json> parsed = Json::try_parse(reply.payload);
  if (!parsed) throw HostError("the host answered with invalid JSON");
  co_return std::move(*parsed);
}

}  // namespace miti::runtime
