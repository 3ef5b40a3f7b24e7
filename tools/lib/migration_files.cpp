#include "lib/migration_files.hpp"

#include <algorithm>

#include "lib/file_io.hpp"

namespace miti::tools {

namespace fs = std::filesystem;

namespace {

// The entries of a folder in name order, dotfiles left out.
std::vector<fs::directory_entry> entries(const fs::path& folder) {
  std::vector<fs::directory_entry> list;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename().string().starts_with(".")) continue;
    list.push_back(entry);
  }
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  return list;
}

}  // namespace

PlanInput read_migration_files(const fs::path& root) {
  PlanInput input;
  const fs::path modules = root / "modules";
  if (fs::is_directory(modules)) {
    for (const auto& module : entries(modules)) {
      if (!module.is_directory()) continue;
      const std::string name = module.path().filename().string();
      input.modules.insert(name);
      const fs::path folder = module.path() / "migrations";
      if (!fs::exists(folder)) continue;
      if (!fs::is_directory(folder)) {
        input.problems.push_back({"modules/" + name + "/migrations", "must be a folder"});
        continue;
      }
      for (const auto& file : entries(folder)) {
        SourceFile source{name, file.path().filename().string(), ""};
        if (!file.is_regular_file()) {
          input.problems.push_back({source.path(),
                                    "is not a file; migrations/ holds only "
                                    "NNNN_description.sql files"});
          continue;
        }
        source.content = read_file(file.path());
        input.sources.push_back(std::move(source));
      }
    }
  }
  // The framework's own tables, consolidated as module "miti".
  const fs::path framework = root / std::string(kFrameworkFolder);
  if (fs::is_directory(framework)) {
    input.modules.insert(std::string(kFrameworkModule));
    for (const auto& file : entries(framework)) {
      if (!file.is_regular_file() || file.path().extension() != ".sql") continue;
      SourceFile source{std::string(kFrameworkModule), file.path().filename().string(),
                        read_file(file.path())};
      input.sources.push_back(std::move(source));
    }
  }
  const fs::path consolidated = root / "migrations";
  if (fs::is_directory(consolidated)) {
    for (const auto& file : entries(consolidated)) {
      ConsolidatedFile entry{file.path().filename().string(), ""};
      if (!file.is_regular_file()) {
        input.problems.push_back({entry.path(), "is not a file"});
        continue;
      }
      entry.content = read_file(file.path());
      input.consolidated.push_back(std::move(entry));
    }
  }
  return input;
}

void write_migration_files(const fs::path& root, const Plan& plan) {
  const fs::path folder = root / "migrations";
  fs::create_directories(folder);
  for (const Write& write : plan.writes) write_file_atomic(folder / write.name, write.content);
}

}  // namespace miti::tools
