// What one request carries through the core: its id, its environment and the
// runtime that talks to the host. Passed by reference, never stored globally.
#pragma once

#include <cstdint>
#include <memory>

#include "miti/env.hpp"
#include "miti/host_task.hpp"
#include "miti/json.hpp"
#include "miti/log.hpp"
#include "miti/task.hpp"
#include "runtime/host.hpp"

namespace miti::runtime {

class Runtime;

struct RequestScope {
  Runtime& runtime;
  RequestId id;
  std::shared_ptr<const Env> env;
  Logger log;
  // When the request must be done by (epoch ms); see ModuleContext::deadline_ms.
  std::int64_t deadline_ms = INT64_MAX;
  // Answers a webhook now and lets the handler go on in the background: set
  // by the webhook flow (called with `respond_now_owner` and the request id),
  // null elsewhere. A plain function pointer: no std::function in the Worker.
  void (*respond_now)(void* owner, RequestId request) = nullptr;
  void* respond_now_owner = nullptr;
};

// Sends `op` to the host; its JSON answer, or a HostError carrying the
// host's message (TimeoutError when abandoned).
HostTask<Json> host_call(RequestScope& scope, const Json& op);
// A timer in the request's own context (see shared_registry.cpp for why
// requests poll instead of waking each other).
HostTask<void> host_sleep(RequestScope& scope, std::int64_t ms);

}  // namespace miti::runtime
