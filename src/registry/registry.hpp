// The validated set of modules that run, in MODULES order, with one command
// namespace across all of them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "miti/error.hpp"
#include "miti/module.hpp"
#include "registry/module_index.hpp"

namespace miti::registry {

class RegistryError : public Error {
 public:
  using Error::Error;
};

struct CommandRoute {
  const ModuleDefinition* module;
  const Command* command;
};

// A module cron with its schedule in normalised form (computed once per
// build, so a trigger is matched without parsing anything).
struct CronRoute {
  const ModuleDefinition* module;
  const Cron* cron;
  std::string schedule;
};

// MODULES split on commas, trimmed, empties dropped, duplicates dropped,
// first occurrence's order kept.
std::vector<std::string> parse_module_list(std::string_view modules_var);

class Registry {
 public:
  static constexpr std::size_t kMaxPublicCommands = 100;  // setMyCommands' limit

  // Validates everything; throws RegistryError naming the module and command.
  static Registry build(std::span<const ModuleEntry> available, std::string_view modules_var);

  const std::vector<ModuleDefinition>& modules() const noexcept { return modules_; }
  const CommandRoute* find_command(std::string_view name) const;
  // Every module cron, in MODULES order.
  const std::vector<CronRoute>& crons() const noexcept { return crons_; }

  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;

 private:
  Registry() = default;
  void index_commands();

  std::vector<ModuleDefinition> modules_;
  std::unordered_map<std::string_view, CommandRoute> commands_;
  std::vector<CronRoute> crons_;
};

// Validation of the pieces, exposed for tests and tools.
bool is_valid_module_name(std::string_view name);
bool is_valid_command_name(std::string_view name);
bool is_valid_cron_name(std::string_view name);

}  // namespace miti::registry
