#include "registry/shared_registry.hpp"


#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "runtime/request_scope.hpp"

namespace miti::registry {

namespace {
// How long a waiting request sleeps between looks at a build in progress.
constexpr int kPollMs = 2;
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
    const Json sleep = {{"op", "sleep"}, {"ms", kPollMs}};
    while (building_ && builds_ == awaited) co_await runtime::host_call(scope, sleep);
    // The build this request waited for failed, and none has started since:
    // report that failure; the next request will try again.
    if (!building_ && builds_ == awaited && last_error_) std::rethrow_exception(last_error_);
  }
}

Task<std::shared_ptr<const Registry>> SharedRegistry::build(runtime::RequestScope& scope) {
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
  if (last_error_) std::rethrow_exception(last_error_);
  co_return registry_;
}

}  // namespace miti::registry
