// Keeping wrangler.toml's [triggers] crons in step with the crons the modules declare: a declared
// schedule missing from the list would never fire, and a listed one nobody declares wakes the
// Worker for nothing and spends one of the account's few cron triggers (5 on the Free plan).
// Schedules are compared in normalised form (cron/cron_expression.hpp), so "0 9 * * mon" in a
// module and "0  9 * * 2" in the toml are the same trigger.
//
// Cron triggers are scarce (5 per account on Free, 250 on Paid), so a bot has a trigger budget
// (default 3, leaving 2 of the Free plan's 5 to the account's other Workers). Within it, each
// distinct schedule gets its own trigger and the Worker runs the crons whose schedule is the one
// that fired (MITI_CRON_DISPATCH absent or "trigger"). Past it, one trigger that fires whenever
// any schedule does replaces them all and [vars] MITI_CRON_DISPATCH = "time" makes the Worker
// run the crons due at each event's scheduledTime; the check then proves coverage
// (lib/cron_cover.hpp) instead of comparing lists.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace miti::tools {

inline constexpr std::size_t kDefaultCronBudget = 3;
inline constexpr std::size_t kMaxCronBudget = 250;  // the Paid plan's triggers per account

// A budget from the command line or [vars] MITI_CRON_BUDGET: a whole number from 1 to 250.
// Throws std::invalid_argument naming `source` and the value otherwise.
std::size_t parse_cron_budget(std::string_view text, std::string_view source);

struct CronSettings {
  std::size_t budget = kDefaultCronBudget;
  std::optional<std::string> dispatch;  // [vars] MITI_CRON_DISPATCH, when set
};

struct DeclaredCron {
  std::string module;
  std::string name;
  std::string schedule;
};

struct CronReport {
  std::vector<std::string> problems;  // each one fails the check
  std::vector<std::string> notes;     // worth saying, never a failure
  bool by_time = false;               // checked as MITI_CRON_DISPATCH = "time"
  std::size_t schedules = 0;          // distinct valid declared schedules
  std::size_t triggers = 0;           // distinct valid listed triggers
  bool ok() const { return problems.empty(); }
};

// `modules_var` is the MODULES value, quoted in messages so the reader knows which list was used.
// Dispatch by trigger: the list must hold exactly the declared schedules. Dispatch by time: every
// minute a declared schedule fires at must be one some trigger fires at, no trigger may fire
// when no cron is due, no two triggers may fire together when a cron is due (it would run
// twice), and there are at most `budget` triggers.
CronReport check_crons(const std::vector<DeclaredCron>& declared,
                       const std::vector<std::string>& listed, std::string_view modules_var,
                       const CronSettings& settings = {});

// Problems with the declared schedules alone (invalid expressions); sync refuses to run on them.
std::vector<std::string> declared_problems(const std::vector<DeclaredCron>& declared);

struct CronSync {
  std::string text;                  // the new wrangler.toml (the old one when nothing changed)
  std::vector<std::string> added;    // "'* * * * *' (remind.deliver)"
  std::vector<std::string> removed;  // "'0 3 * * *'"
  bool by_time = false;              // more schedules than the budget: one covering trigger
  std::size_t schedules = 0;         // distinct declared schedules
  std::optional<std::string> dispatch_change;  // what happened to [vars] MITI_CRON_DISPATCH
  bool changed = false;
};

// Rewrites only the [triggers] crons value of `toml` (see replace_crons) and, when the dispatch
// mode changes, the [vars] MITI_CRON_DISPATCH line (see set_cron_dispatch). Within `budget`: one
// trigger per distinct schedule, and MITI_CRON_DISPATCH removed unless it says "trigger". Over
// it: one covering trigger, with a comment naming the crons it runs, and MITI_CRON_DISPATCH =
// "time". Throws TomlError.
CronSync sync_crons(std::string_view toml, const std::vector<DeclaredCron>& declared,
                    std::size_t budget = kDefaultCronBudget);

}  // namespace miti::tools
