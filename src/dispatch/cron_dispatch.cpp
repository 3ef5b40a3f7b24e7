#include "dispatch/cron_dispatch.hpp"

#include <optional>
#include <string>

#include "miti/bot_api.hpp"
#include "miti/context.hpp"

namespace miti::dispatch {

namespace {

// TODO(cron): switch to miti::cron::normalize once the parser lands.
std::optional<std::string> normalized_schedule(std::string_view text) {
  std::string out;
  bool in_space = true;
  for (char c : text) {
    bool space = c == ' ' || c == '\t';
    if (space && !in_space) out += ' ';
    if (!space) out += c;
    in_space = space;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::vector<CronRun> matching_crons(const registry::Registry& registry, std::string_view fired) {
  std::vector<CronRun> runs;
  std::optional<std::string> wanted = normalized_schedule(fired);
  if (!wanted) return runs;
  for (const ModuleDefinition& module : registry.modules()) {
    for (const Cron& cron : module.crons) {
      if (normalized_schedule(cron.schedule) == wanted) runs.push_back(CronRun{&module, &cron});
    }
  }
  return runs;
}

Task<void> run_isolated(runtime::RequestScope& scope, CronRun& run, CronEvent event,
                        const std::vector<ModuleDefinition>* modules) {
  BotApi api(scope, /*allow_webhook_reply=*/false);
  ModuleContext context(scope, run.module->name, api);
  context.set_active_modules(*modules);
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
