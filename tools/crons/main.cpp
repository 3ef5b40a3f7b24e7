// miti-crons: keeps wrangler.toml [triggers] crons in step with the crons the modules in
// [vars] MODULES declare (the modules production runs).
//
//   miti-crons check [--toml wrangler.toml] [--modules "a,b"] [--manifest file.json] [--budget N]
//   miti-crons sync  [--toml wrangler.toml] [--modules "a,b"] [--manifest file.json] [--budget N]
//
// check exits 1 naming every module/cron/schedule out of step; sync rewrites only the crons list
// (and [vars] MITI_CRON_DISPATCH when the dispatch mode changes). The trigger budget is --budget,
// else [vars] MITI_CRON_BUDGET, else 3: within it each schedule gets a trigger; past it one
// trigger covers them all and the Worker dispatches by time (lib/cron_consistency.hpp).
// The declared crons come from the compiled modules (the registry the Worker builds), or from a
// miti-manifest JSON file with --manifest (used by the tests). --modules overrides MODULES.
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/cron_consistency.hpp"
#include "lib/file_io.hpp"
#include "lib/wrangler_toml.hpp"
#include "miti/json.hpp"
#include "registry/module_index.hpp"
#include "registry/registry.hpp"

namespace {

using miti::tools::DeclaredCron;

struct Options {
  std::string command;
  std::string toml = "wrangler.toml";
  std::optional<std::string> modules;
  std::optional<std::string> manifest;
  std::optional<std::size_t> budget;
  std::string error;  // a usage problem worth more than the usage line
};

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using miti::tools::read_file;

std::vector<DeclaredCron> from_registry(const std::string& modules) {
  try {
    auto registry = miti::registry::Registry::build(miti::registry::compiled_modules(), modules);
    std::vector<DeclaredCron> declared;
    for (const auto& module : registry.modules())
      for (const auto& cron : module.crons)
        declared.push_back(
            {std::string(module.name), std::string(cron.name), std::string(cron.schedule)});
    return declared;
  } catch (const std::exception& error) {
    throw Failure("MODULES \"" + modules + "\": " + error.what());
  }
}

// The modules named in MODULES, in that order, from miti-manifest's JSON.
std::vector<DeclaredCron> from_manifest(const std::string& path, const std::string& modules) {
  miti::Json manifest;
  try {
    manifest = miti::Json::parse(read_file(path));
  } catch (const miti::JsonError& error) {
    throw Failure(path + ": " + error.what());
  }
  std::vector<DeclaredCron> declared;
  std::vector<std::string> names = miti::registry::parse_module_list(modules);
  // The framework's own module runs whatever MODULES says.
  names.emplace_back(miti::registry::kFrameworkModule);
  for (const std::string& name : names) {
    const miti::Json* found = nullptr;
    for (const auto& module : manifest.at("modules"))
      if (module.at("name") == name) found = &module;
    if (found == nullptr && name == miti::registry::kFrameworkModule)
      continue;  // an older manifest
    if (found == nullptr) throw Failure("unknown module '" + name + "' in MODULES");
    for (const auto& cron : (*found)["crons"])
      declared.push_back({name, cron.at("name").as_string(), cron.at("schedule").as_string()});
  }
  return declared;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--toml" && has_value) {
      options.toml = argv[++i];
    } else if (arg == "--modules" && has_value) {
      options.modules = argv[++i];
    } else if (arg == "--manifest" && has_value) {
      options.manifest = argv[++i];
    } else if (arg == "--budget" && has_value) {
      try {
        options.budget = miti::tools::parse_cron_budget(argv[++i], "--budget");
      } catch (const std::invalid_argument& error) {
        options.command.clear();
        options.error = error.what();
        break;
      }
    } else if (options.command.empty() && (arg == "check" || arg == "sync")) {
      options.command = arg;
    } else {
      options.command.clear();
      break;
    }
  }
  return options;
}

int run(const Options& options) {
  const std::string text = read_file(options.toml);
  miti::tools::WranglerCrons scanned = miti::tools::scan_wrangler_toml(text);
  std::string modules;
  if (options.modules) {
    modules = *options.modules;
  } else if (scanned.modules) {
    modules = *scanned.modules;
  } else {
    throw Failure(options.toml +
                  " has no [vars] MODULES, so there is no telling which modules run; set it");
  }
  std::size_t budget = miti::tools::kDefaultCronBudget;
  if (options.budget) {
    budget = *options.budget;
  } else if (scanned.cron_budget) {
    try {
      budget = miti::tools::parse_cron_budget(scanned.cron_budget->value,
                                              options.toml + " [vars] MITI_CRON_BUDGET");
    } catch (const std::invalid_argument& error) {
      throw Failure(error.what());
    }
  }
  std::vector<DeclaredCron> declared =
      options.manifest ? from_manifest(*options.manifest, modules) : from_registry(modules);

  if (options.command == "check") {
    std::vector<std::string> listed =
        scanned.crons ? scanned.crons->items : std::vector<std::string>{};
    miti::tools::CronSettings settings{.budget = budget};
    if (scanned.cron_dispatch) settings.dispatch = scanned.cron_dispatch->value;
    auto report = miti::tools::check_crons(declared, listed, modules, settings);
    for (const auto& note : report.notes) std::cout << "crons: note: " << note << "\n";
    if (!report.ok()) {
      for (const auto& problem : report.problems) std::cerr << "crons: " << problem << "\n";
      return 1;
    }
    auto count = [](std::size_t n, const char* what) {
      return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
    };
    if (report.by_time) {
      std::cout << "crons: " << options.toml << " [triggers] crons covers every cron of MODULES \""
                << modules << "\" by time (" << count(report.triggers, "trigger") << " for "
                << count(report.schedules, "schedule") << ", budget " << budget << ")\n";
    } else {
      std::cout << "crons: " << options.toml << " [triggers] crons is in step with MODULES \""
                << modules << "\" (" << count(listed.size(), "schedule") << ")\n";
    }
    return 0;
  }

  auto problems = miti::tools::declared_problems(declared);
  if (!problems.empty()) {
    for (const auto& problem : problems) std::cerr << "crons: " << problem << "\n";
    std::cerr << "crons: " << options.toml << " left unchanged\n";
    return 1;
  }
  auto sync = miti::tools::sync_crons(text, declared, budget);
  const std::string mode =
      sync.by_time
          ? " (" + std::to_string(sync.schedules) + " schedules, more than the budget of " +
                std::to_string(budget) + ": one trigger covers them, dispatch by time)"
          : "";
  if (!sync.changed) {
    std::cout << "crons: " << options.toml << " [triggers] crons already in step with MODULES \""
              << modules << "\"" << mode << "\n";
    return 0;
  }
  miti::tools::write_file_atomic(options.toml, sync.text);
  std::cout << "crons: rewrote " << options.toml << " [triggers] crons for MODULES \"" << modules
            << "\"" << mode << "\n";
  for (const auto& added : sync.added) std::cout << "  + " << added << "\n";
  for (const auto& removed : sync.removed) std::cout << "  - " << removed << "\n";
  if (sync.dispatch_change) std::cout << "  " << *sync.dispatch_change << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  if (options.command.empty()) {
    if (!options.error.empty()) std::cerr << "crons: " << options.error << "\n";
    std::cerr << "usage: miti-crons check|sync [--toml wrangler.toml] [--modules \"a,b\"] "
                 "[--manifest manifest.json] [--budget N]\n";
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cerr << "crons: " << error.what() << "\n";
    return 1;
  }
}
