// miti-migrations: keeps the top-level migrations/ (what wrangler applies) in
// step with the modules' own migrations.
//
//   miti-migrations sync [--accept-edits] [--root DIR]   write what is missing
//   miti-migrations check [--root DIR]                   exit 1 unless in sync
//
// DIR defaults to the current directory (the repository root). Both refuse
// malformed names, gaps and duplicates in numbering, and edits to migrations
// already consolidated; sync writes nothing while any problem remains.
#include <filesystem>
#include <iostream>
#include <string>

#include "lib/migration_files.hpp"
#include "lib/migration_plan.hpp"

namespace {

namespace fs = std::filesystem;
using miti::tools::Plan;

int usage() {
  std::cerr << "usage: miti-migrations sync [--accept-edits] [--root DIR]\n"
               "       miti-migrations check [--root DIR]\n";
  return 2;
}

void print_problems(const Plan& plan) {
  for (const auto& problem : plan.problems) {
    std::cerr << "  " << problem.file << ": " << problem.message << "\n";
  }
}

int check(const Plan& plan) {
  for (const auto& note : plan.notes) std::cout << "note: " << note << "\n";
  if (!plan.problems.empty()) {
    std::cerr << "migrations: " << plan.problems.size() << " problem(s):\n";
    print_problems(plan);
  }
  if (!plan.writes.empty()) {
    std::cerr << "migrations/ is out of sync with modules/*/migrations/:\n";
    for (const auto& write : plan.writes) {
      std::cerr << "  migrations/" << write.name
                << (write.replaces ? " differs from " : " is missing (from ") << write.source
                << (write.replaces ? "\n" : ")\n");
    }
    std::cerr << "run `npm run db:sync` and commit migrations/\n";
  }
  if (!plan.in_sync()) return 1;
  std::cout << "migrations/ is in sync (" << plan.consolidated_total << " migration"
            << (plan.consolidated_total == 1 ? "" : "s") << ")\n";
  return 0;
}

int sync(const fs::path& root, const Plan& plan) {
  for (const auto& note : plan.notes) std::cout << "note: " << note << "\n";
  if (!plan.problems.empty()) {
    std::cerr << "migrations: nothing written; fix these first:\n";
    print_problems(plan);
    return 1;
  }
  miti::tools::write_migration_files(root, plan);
  for (const auto& write : plan.writes) {
    std::cout << (write.replaces ? "rewrote" : "wrote") << " migrations/" << write.name << " (from "
              << write.source << ")\n";
  }
  std::cout << "migrations/ is up to date (" << plan.consolidated_total << " migration"
            << (plan.consolidated_total == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  if (command != "sync" && command != "check") return usage();
  fs::path root = fs::current_path();
  miti::tools::PlanOptions options;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--root" && i + 1 < argc) {
      root = argv[++i];
    } else if (arg == "--accept-edits" && command == "sync") {
      options.accept_edits = true;
    } else {
      return usage();
    }
  }
  try {
    Plan plan = miti::tools::plan_migrations(miti::tools::read_migration_files(root), options);
    return command == "sync" ? sync(root, plan) : check(plan);
  } catch (const std::exception& error) {
    std::cerr << "miti-migrations: " << error.what() << "\n";
    return 1;
  }
}
