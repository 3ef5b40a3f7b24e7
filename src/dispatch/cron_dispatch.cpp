#include "dispatch/cron_dispatch.hpp"

#include <optional>
#include <string>

#include "cron/cron_expression.hpp"
#include "miti/bot_api.hpp"
#include "miti/context.hpp"

namespace miti::dispatch {

std::vector<CronRun> matching_crons(const registry::Registry& registry, std::string_view fired) {
  std::vector<CronRun> runs;
  std::optional<std::string> wanted = cron::normalize(fired);
  if (!wanted) return runs;
  for (const registry::CronRoute& route : registry.crons()) {
    if (route.schedule == *wanted) runs.push_back(CronRun{route.module, route.cron});
  }
  return runs;
}

std::vector<CronRun> crons_due_at(const registry::Registry& registry,
                                  std::int64_t scheduled_time_ms) {
  std::vector<CronRun> runs;
  for (const registry::CronRoute& route : registry.crons()) {
    if (route.expression.matches_epoch_ms(scheduled_time_ms)) {
      runs.push_back(CronRun{route.module, route.cron});
    }
  }
  return runs;
}

Task<void> run_isolated(runtime::RequestScope& scope, CronRun& run, CronEvent event,
                        const std::vector<ModuleDefinition>& modules) {
  BotApi api(scope, /*allow_webhook_reply=*/false);
  ModuleContext context(scope, *run.module, api);
  context.set_active_modules(modules);
  try {
    co_await run.cron->handler(event, context);
  } catch (const std::exception& error) {
    run.failed = true;
    scope.log.error(
        "cron failed",
        {{"module", run.module->name}, {"cron", run.cron->name}, {"error", error.what()}});
  }
}

}  // namespace miti::dispatch
