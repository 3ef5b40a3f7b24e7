// Reading module migrations and the top-level migrations/ folder from disk,
// and writing what a migration plan decided. The decisions themselves are in
// migration_plan.hpp.
#pragma once

#include <filesystem>

#include "lib/migration_plan.hpp"

namespace miti::tools {

// Everything under <root>/modules/*/migrations/ and <root>/migrations/.
// Dotfiles (.gitkeep) are skipped; a folder where a file belongs is a problem.
PlanInput read_migration_files(const std::filesystem::path& root);

// Writes plan.writes into <root>/migrations/ (creating the folder).
void write_migration_files(const std::filesystem::path& root, const Plan& plan);

}  // namespace miti::tools
