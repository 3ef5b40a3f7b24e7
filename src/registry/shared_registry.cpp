#include "registry/shared_registry.hpp"

#include <algorithm>

#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "runtime/request_scope.hpp"

namespace miti::registry {

// Suspends a request until the build in progress has finished.
class SharedRegistry::Waiter {
 public:
  explicit Waiter(SharedRegistry& owner) : owner_(owner) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  ~Waiter() {
    auto& list = owner_.waiters_;
    list.erase(std::remove(list.begin(), list.end(), this), list.end());
  }
  bool await_ready() const noexcept { return !owner_.building_; }
  void await_suspend(coro::coroutine_handle<> handle) {
    handle_ = handle;
    owner_.waiters_.push_back(this);
  }
  void await_resume() const noexcept {}
  void wake() { handle_.resume(); }

 private:
  SharedRegistry& owner_;
  coro::coroutine_handle<> handle_;
};

Task<std::shared_ptr<const Registry>> SharedRegistry::get(runtime::RequestScope& scope) {
  if (registry_ && built_for_ == scope.env) co_return registry_;
  if (building_) {
    co_await Waiter(*this);
    if (registry_ && built_for_ == scope.env) co_return registry_;
    if (last_error_) std::rethrow_exception(last_error_);
  }
  co_await build(scope);
  co_return registry_;
}

Task<void> SharedRegistry::build(runtime::RequestScope& scope) {
  building_ = true;
  ++builds_;
  registry_.reset();
  last_error_ = nullptr;
  try {
    auto candidate =
        std::make_shared<Registry>(Registry::build(available_, scope.env->var_or("MODULES", "")));
    BotApi api(scope, /*allow_webhook_reply=*/false);
    for (const ModuleDefinition& module : candidate->modules()) {
      if (module.init == nullptr) continue;
      ModuleContext context(scope, module.name, api);
      context.set_active_modules(candidate->modules());
      try {
        co_await module.init(context);
      } catch (const std::exception& error) {
        throw RegistryError("init of module '" + std::string(module.name) +
                            "' failed: " + error.what());
      }
    }
    registry_ = std::move(candidate);
    built_for_ = scope.env;
  } catch (...) {
    last_error_ = std::current_exception();
  }
  building_ = false;
  wake_waiters();
  if (last_error_) std::rethrow_exception(last_error_);
}

void SharedRegistry::wake_waiters() {
  // A woken request may finish and destroy its Waiter (removing it from the
  // list), so take the list first.
  std::vector<Waiter*> waiting;
  waiting.swap(waiters_);
  for (Waiter* waiter : waiting) waiter->wake();
}

}  // namespace miti::registry
