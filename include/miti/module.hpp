// Declaring a module. A module lives in modules/<name>/ and defines
//
//   MITI_MODULE(name) {
//     return {.commands = {{...}}, .init = ..., .crons = {...}};
//   }
//
// The build discovers every folder under modules/; the MODULES variable picks
// which of them run, in which order.
#pragma once

#include <string_view>
#include <vector>

#include "miti/context.hpp"
#include "miti/task.hpp"

namespace miti {

enum class Visibility {
  kPublic,     // Telegram's command menu and /help
  kProtected,  // /help only, marked "(protected)"
  kPrivate,    // listed nowhere, still callable
};

using CommandHandler = Task<void> (*)(CommandContext&);
using InitHandler = Task<void> (*)(ModuleContext&);

struct CronEvent {
  std::string_view cron;           // the schedule that fired, as wrangler.toml spells it
  std::int64_t scheduled_time_ms;  // when it was due (epoch milliseconds)
};
using CronHandler = Task<void> (*)(const CronEvent&, ModuleContext&);

struct Command {
  std::string_view name;  // ^[a-z0-9_]{1,32}$, no leading '/'
  Visibility visibility = Visibility::kPublic;
  std::string_view description;  // 1..256 characters
  CommandHandler handler = nullptr;
};

struct Cron {
  std::string_view name;      // ^[a-z0-9_-]{1,32}$, unique within the module
  std::string_view schedule;  // five-field cron expression, UTC
  CronHandler handler = nullptr;
};

struct ModuleDefinition {
  std::string_view name;  // filled in by MITI_MODULE: the folder name
  std::vector<Command> commands;
  InitHandler init = nullptr;  // run once per registry build
  std::vector<Cron> crons;
};

}  // namespace miti

// Defines the module's factory; the generated module index calls it. The
// definition's name is the folder name unless the body sets one (which must
// then equal the folder name).
#define MITI_MODULE(folder_name)                                            \
  static ::miti::ModuleDefinition miti_module_body_##folder_name();         \
  ::miti::ModuleDefinition miti_module_##folder_name() {                    \
    ::miti::ModuleDefinition definition = miti_module_body_##folder_name(); \
    if (definition.name.empty()) definition.name = #folder_name;            \
    return definition;                                                      \
  }                                                                         \
  static ::miti::ModuleDefinition miti_module_body_##folder_name()
