#include "registry/registry.hpp"

#include <algorithm>
#include <set>

#include "cron/cron_expression.hpp"
#include "telegram/command_parser.hpp"

namespace miti::registry {

namespace {

constexpr std::size_t kMaxDescriptionLength = 256;
constexpr std::size_t kMaxCommandName = 32;
constexpr std::size_t kMaxCronName = 32;

bool all_chars(std::string_view text, bool allow_dash) {
  return std::all_of(text.begin(), text.end(), [allow_dash](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
  });
}

std::string_view trim(std::string_view text) {
  const char* spaces = " \t\r\n";
  auto begin = text.find_first_not_of(spaces);
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(spaces);
  return text.substr(begin, end - begin + 1);
}

std::string in_quotes(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// Code points, which is what a person counts as characters.
std::size_t character_count(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void validate_command(const ModuleDefinition& module, const Command& command) {
  std::string where = "module " + in_quotes(module.name) + ", command " + in_quotes(command.name);
  if (command.name.starts_with('/')) {
    throw RegistryError(where + ": write the name without the leading '/'");
  }
  if (!is_valid_command_name(command.name)) {
    throw RegistryError(where + ": name must match ^[a-z0-9_]{1,32}$");
  }
  std::size_t length = character_count(command.description);
  if (length == 0 || length > kMaxDescriptionLength) {
    throw RegistryError(where + ": description must be 1 to 256 characters, got " +
                        std::to_string(length));
  }
  if (command.handler == nullptr) throw RegistryError(where + ": has no handler");
}

// Checks the module's crons; returns each one's schedule in normalised form,
// so the expression is parsed once per build and never at dispatch.
std::vector<std::string> validate_crons(const ModuleDefinition& module) {
  std::set<std::string_view> names;
  std::vector<std::string> schedules;
  for (const Cron& cron : module.crons) {
    std::string where = "module " + in_quotes(module.name) + ", cron " + in_quotes(cron.name);
    if (!is_valid_cron_name(cron.name)) {
      throw RegistryError(where + ": name must match ^[a-z0-9_-]{1,32}$");
    }
    if (!names.insert(cron.name).second) throw RegistryError(where + ": declared twice");
    if (trim(cron.schedule).empty()) throw RegistryError(where + ": schedule is empty");
    try {
      schedules.push_back(cron::CronExpression::parse(cron.schedule).normalized());
    } catch (const cron::CronError& error) {
      throw RegistryError(where + ": " + error.what());
    }
    if (cron.handler == nullptr) throw RegistryError(where + ": has no handler");
  }
  return schedules;
}

}  // namespace

bool is_valid_module_name(std::string_view name) {
  return !name.empty() && all_chars(name, false);
}

bool is_valid_command_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxCommandName && all_chars(name, false);
}

bool is_valid_cron_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxCronName && all_chars(name, true);
}

std::vector<std::string> parse_module_list(std::string_view modules_var) {
  std::vector<std::string> names;
  while (!modules_var.empty()) {
    auto comma = modules_var.find(',');
    std::string_view item = trim(modules_var.substr(0, comma));
    if (!item.empty() && std::find(names.begin(), names.end(), item) == names.end()) {
      names.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    modules_var.remove_prefix(comma + 1);
  }
  return names;
}

Registry Registry::build(std::span<const ModuleEntry> available, std::string_view modules_var) {
  std::vector<std::string> wanted = parse_module_list(modules_var);
  if (wanted.empty()) {
    throw RegistryError("MODULES is empty: list the modules to run, e.g. MODULES=\"util,misc\"");
  }

  Registry registry;
  // Routes point into modules_: reserving keeps those addresses stable.
  registry.modules_.reserve(wanted.size());
  std::size_t public_commands = 0;
  for (const std::string& name : wanted) {
    auto entry = std::find_if(available.begin(), available.end(),
                              [&](const ModuleEntry& e) { return e.folder == name; });
    if (entry == available.end()) {
      std::string known;
      for (const ModuleEntry& e : available)
        known += (known.empty() ? "" : ", ") + std::string(e.folder);
      throw RegistryError("unknown module " + in_quotes(name) +
                          " in MODULES (compiled in: " + known + ")");
    }
    ModuleDefinition module = entry->factory();
    if (!is_valid_module_name(module.name)) {
      throw RegistryError("module " + in_quotes(module.name) + ": name must match ^[a-z0-9_]+$");
    }
    if (module.name != entry->folder) {
      throw RegistryError("module in modules/" + std::string(entry->folder) + " declares name " +
                          in_quotes(module.name) + "; the name must equal the folder name");
    }
    for (const Command& command : module.commands) {
      validate_command(module, command);
      if (command.visibility == Visibility::kPublic) ++public_commands;
    }
    std::vector<std::string> schedules = validate_crons(module);
    const ModuleDefinition& stored = registry.modules_.emplace_back(std::move(module));
    for (std::size_t i = 0; i < stored.crons.size(); ++i) {
      registry.crons_.push_back(CronRoute{&stored, &stored.crons[i], std::move(schedules[i])});
    }
  }
  if (public_commands > kMaxPublicCommands) {
    throw RegistryError(std::to_string(public_commands) +
                        " public commands; Telegram's command menu takes at most 100");
  }
  registry.index_commands();
  return registry;
}

void Registry::index_commands() {
  commands_.clear();
  for (const ModuleDefinition& module : modules_) {
    for (const Command& command : module.commands) {
      auto [it, inserted] = commands_.emplace(command.name, CommandRoute{&module, &command});
      if (!inserted) {
        throw RegistryError("command " + in_quotes(command.name) + " is claimed by module " +
                            in_quotes(it->second.module->name) + " and module " +
                            in_quotes(module.name));
      }
    }
  }
}

const CommandRoute* Registry::find_command(std::string_view name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

}  // namespace miti::registry
