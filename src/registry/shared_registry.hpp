// The registry of one wasm instance: built on first need, once, even when
// many requests arrive together (they wait for the same build); a failed
// build is reported to the requests that waited for it and retried by the
// next request, never cached.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "miti/coroutine.hpp"
#include "miti/env.hpp"
#include "miti/task.hpp"
#include "registry/registry.hpp"

namespace miti::runtime {
struct RequestScope;
}

namespace miti::registry {

class SharedRegistry {
 public:
  explicit SharedRegistry(std::span<const ModuleEntry> available) : available_(available) {}

  // The registry for the request's environment, building it (validation, then
  // every module's init) if needed. Shared ownership: a request keeps the
  // registry it started with even if a later environment replaces it.
  Task<std::shared_ptr<const Registry>> get(runtime::RequestScope& scope);

  int build_count() const noexcept { return builds_; }

 private:
  Task<std::shared_ptr<const Registry>> build(runtime::RequestScope& scope);

  std::span<const ModuleEntry> available_;
  std::shared_ptr<const Registry> registry_;
  std::shared_ptr<const Env> built_for_;
  bool building_ = false;
  std::exception_ptr last_error_;
  int builds_ = 0;
};

}  // namespace miti::registry
