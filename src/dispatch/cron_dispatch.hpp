// Which module crons a trigger runs, and running one of them in isolation.
#pragma once

#include <string_view>
#include <vector>

#include "miti/module.hpp"
#include "miti/task.hpp"
#include "registry/registry.hpp"
#include "runtime/request_scope.hpp"

namespace miti::dispatch {

struct CronRun {
  const ModuleDefinition* module;
  const Cron* cron;
  bool failed = false;
};

// Every cron, across modules in MODULES order, whose schedule means the same
// as `fired` (compared in normalised form, so spacing or name spelling in
// wrangler.toml never loses a run).
std::vector<CronRun> matching_crons(const registry::Registry& registry, std::string_view fired);

// Every cron whose schedule is due at `scheduled_time_ms` (its minute), for
// MITI_CRON_DISPATCH=time: fewer triggers than schedules, each trigger firing
// at least whenever one of them is due (see `npm run crons:sync`).
std::vector<CronRun> crons_due_at(const registry::Registry& registry,
                                  std::int64_t scheduled_time_ms);

// Runs one cron handler with its own context and Bot API (no webhook to reply
// to); a failure is logged as {module, cron, error} and marks the run failed.
Task<void> run_isolated(runtime::RequestScope& scope, CronRun& run, CronEvent event,
                        const std::vector<ModuleDefinition>& modules);

}  // namespace miti::dispatch
