// The validated set of modules that run, in MODULES order, with one command
// namespace across all of them, and the routing tables the dispatcher reads.
// The framework's own module ("miti": /cancel when conversations exist, and
// the daily trim of its tables) comes last.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cron/cron_expression.hpp"
#include "miti/error.hpp"
#include "miti/module.hpp"
#include "registry/module_index.hpp"
#include "util/flat_map.hpp"

namespace miti::registry {

class RegistryError : public Error {
 public:
  using Error::Error;
};

struct CommandRoute {
  const ModuleDefinition* module;
  const Command* command;
};
struct CallbackRoute {
  const ModuleDefinition* module;
  const Callback* callback;
};
struct MessageRoute {
  const ModuleDefinition* module;
  const MessageHandler* handler;
};
struct StepRoute {
  const ModuleDefinition* module;
  const Step* step;
};

// A module cron with its schedule in normalised form (computed once per
// build, so a trigger is matched without parsing anything).
struct CronRoute {
  const ModuleDefinition* module;
  const Cron* cron;
  std::string schedule;  // normalised
  cron::CronExpression expression;
};

// MODULES split on commas, trimmed, empties dropped, duplicates dropped,
// first occurrence's order kept.
std::vector<std::string> parse_module_list(std::string_view modules_var);

// The framework module's name; no bot module may take it.
inline constexpr std::string_view kFrameworkModule = "miti";

struct BuildOptions {
  // Whether the Worker has a DB binding. Without one, a module that declares
  // conversation steps fails the build (conversations live in D1).
  bool has_db = true;
};

class Registry {
 public:
  static constexpr std::size_t kMaxPublicCommands = 100;  // setMyCommands' limit

  // Validates everything; throws RegistryError naming the module and the
  // declaration at fault.
  static Registry build(std::span<const ModuleEntry> available, std::string_view modules_var,
                        BuildOptions options = {});

  // The modules that run, in MODULES order, then the framework's.
  const std::vector<ModuleDefinition>& modules() const noexcept { return modules_; }
  const CommandRoute* find_command(std::string_view name) const;
  const CallbackRoute* find_callback(std::string_view module, std::string_view name) const;
  const StepRoute* find_step(std::string_view module, std::string_view name) const;
  // Message handlers in routing order (MODULES order, then declaration order).
  const std::vector<MessageRoute>& message_routes() const noexcept { return messages_; }
  // Modules with on_membership, in MODULES order.
  const std::vector<const ModuleDefinition*>& membership_modules() const noexcept {
    return membership_;
  }
  // The first module (in MODULES order) with on_unknown_command, or nullptr.
  const ModuleDefinition* fallback_module() const noexcept { return fallback_; }
  bool has_steps() const noexcept { return !steps_.empty(); }
  bool has_edit_handlers() const noexcept;
  // Every module cron, in MODULES order.
  const std::vector<CronRoute>& crons() const noexcept { return crons_; }
  // The update types Telegram should deliver for what the modules handle
  // (setWebhook's allowed_updates).
  std::vector<std::string> allowed_updates() const;

  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;

 private:
  Registry() = default;
  void index();

  std::vector<ModuleDefinition> modules_;
  util::FlatMap<std::string_view, CommandRoute> commands_;
  std::vector<CallbackRoute> callbacks_;
  std::vector<StepRoute> steps_;
  std::vector<MessageRoute> messages_;
  std::vector<const ModuleDefinition*> membership_;
  const ModuleDefinition* fallback_ = nullptr;
  std::vector<CronRoute> crons_;
};

// Validation of the pieces, exposed for tests and tools.
bool is_valid_module_name(std::string_view name);
bool is_valid_command_name(std::string_view name);
bool is_valid_cron_name(std::string_view name);
bool is_valid_callback_name(std::string_view name);

// The framework module for a registry whose modules (do or do not) declare
// conversation steps. Exposed for tests.
ModuleDefinition framework_module(bool with_conversations);

}  // namespace miti::registry
