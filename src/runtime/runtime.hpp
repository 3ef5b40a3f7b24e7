// Per-instance bookkeeping of host operations in flight. One wasm instance
// serves many requests at once, so operations are keyed by a global id and
// carry their request id; nothing else about a request is kept here.
#pragma once

#include <string>
#include <string_view>

#include "runtime/host.hpp"
#include "util/flat_map.hpp"

namespace miti::runtime {

class HostOperation;

class Runtime {
 public:
  explicit Runtime(Host& host) : host_(host) {}
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  Host& host() noexcept { return host_; }
  std::int64_t now_ms() { return host_.now_ms(); }

  // Registers the operation and hands it to the host.
  void submit(RequestId request, HostOperation& operation, std::string_view op_json);
  // Called by an operation destroyed before its answer came (its request was
  // dropped): a late answer is then ignored.
  void forget(OperationId id) noexcept { pending_.erase(id); }
  // The host's answer. Unknown ids (forgotten operations) are ignored.
  void complete(OperationId id, OpStatus status, std::string payload);

  std::size_t pending_count() const noexcept { return pending_.size(); }

 private:
  Host& host_;
  util::FlatMap<OperationId, HostOperation*> pending_;
  OperationId next_id_ = 1;
};

}  // namespace miti::runtime
