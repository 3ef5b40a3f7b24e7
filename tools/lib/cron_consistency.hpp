// Keeping wrangler.toml's [triggers] crons in step with the crons the modules declare: a declared
// schedule missing from the list would never fire, and a listed one nobody declares wakes the
// Worker for nothing and spends one of the account's few cron triggers (5 on the Free plan).
// Schedules are compared in normalised form (cron/cron_expression.hpp), so "0 9 * * mon" in a
// module and "0  9 * * 2" in the toml are the same trigger.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace miti::tools {

struct DeclaredCron {
  std::string module;
  std::string name;
  std::string schedule;
};

struct CronReport {
  std::vector<std::string> problems;  // each one fails the check
  std::vector<std::string> notes;     // worth saying, never a failure
  bool ok() const { return problems.empty(); }
};

// `modules_var` is the MODULES value, quoted in messages so the reader knows which list was used.
CronReport check_crons(const std::vector<DeclaredCron>& declared,
                       const std::vector<std::string>& listed, std::string_view modules_var);

// Problems with the declared schedules alone (invalid expressions); sync refuses to run on them.
std::vector<std::string> declared_problems(const std::vector<DeclaredCron>& declared);

struct CronSync {
  std::string text;                  // the new wrangler.toml (the old one when nothing changed)
  std::vector<std::string> added;    // "'* * * * *' (remind.deliver)"
  std::vector<std::string> removed;  // "'0 3 * * *'"
  bool changed = false;
};

// Rewrites only the [triggers] crons value of `toml` (see replace_crons). Throws TomlError.
CronSync sync_crons(std::string_view toml, const std::vector<DeclaredCron>& declared);

}  // namespace miti::tools
