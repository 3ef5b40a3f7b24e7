#include "registry/shared_registry.hpp"

#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti::registry {

namespace {
// How long a waiting request sleeps between looks at a build in progress.
constexpr int kPollMs = 2;
// A build whose request died (workerd cancelled it mid-init) never finishes;
// after this long a waiting request stops trusting it and builds itself.
constexpr std::int64_t kStalledBuildMs = 15'000;
}  // namespace

// Requests that arrive during a build poll it with a short host sleep instead
// of being resumed by the building request: workerd ties every promise to the
// request that created it, and a request resumed from another request's
// context can be cancelled as hung (or lose its I/O when that request ends).
Task<std::shared_ptr<const Registry>> SharedRegistry::get(runtime::RequestScope& scope) {
  for (;;) {
    if (registry_ && built_for_ == scope.env) co_return registry_;
    if (!building_) co_return co_await build(scope);
    const int awaited = builds_;
    const std::int64_t deadline = scope.runtime.now_ms() + kStalledBuildMs;
    while (building_ && builds_ == awaited) {
      if (scope.runtime.now_ms() >= deadline) {
        scope.log.warn("registry build stalled; building again", {{"waited_ms", kStalledBuildMs}});
        co_return co_await build(scope);
      }
      co_await runtime::host_sleep(scope, kPollMs);
    }
    // The build this request waited for failed, and none has started since:
    // report that failure; the next request will try again.
    if (!building_ && builds_ == awaited && last_error_) std::rethrow_exception(last_error_);
  }
}

// Only the newest build publishes its outcome: a stalled one that finishes
// late must not overwrite the state of the build that replaced it.
Task<std::shared_ptr<const Registry>> SharedRegistry::build(runtime::RequestScope& scope) {
  const int generation = ++builds_;
  building_ = true;
  std::shared_ptr<const Registry> built;
  std::exception_ptr error;
  try {
    auto candidate = std::make_shared<Registry>(Registry::build(
        available_, scope.env->var_or("MODULES", ""), {.has_db = scope.env->has_binding("DB")}));
    BotApi api(scope, /*allow_webhook_reply=*/false);
    for (const ModuleDefinition& module : candidate->modules()) {
      if (module.init == nullptr) continue;
      ModuleContext context(scope, module, api);
      context.set_active_modules(candidate->modules());
      try {
        co_await module.init(context);
      } catch (const std::exception& init_error) {
        throw RegistryError("init of module '" + std::string(module.name) +
                            "' failed: " + init_error.what());
      }
    }
    built = std::move(candidate);
  } catch (...) {
    error = std::current_exception();
  }
  if (generation == builds_) {
    building_ = false;
    last_error_ = error;
    if (built) {
      registry_ = built;
      built_for_ = scope.env;
    }
  }
  if (error) std::rethrow_exception(error);
  co_return built;
}

}  // namespace miti::registry
