#include "registry/registry.hpp"

#include <algorithm>

#include "cron/cron_expression.hpp"
#include "telegram/command_parser.hpp"
#include "util/declaration_errors.hpp"

namespace miti::registry {

namespace {

constexpr std::size_t kMaxDescriptionLength = 256;
constexpr std::size_t kMaxCommandName = 32;
constexpr std::size_t kMaxCronName = 32;
constexpr std::size_t kMaxCallbackName = 16;

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

// Joins the pieces of a message. One out-of-line function instead of a chain
// of operator+ at each of the many refusals: the Worker is smaller for it.
[[gnu::noinline]] std::string cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view piece : pieces) out += piece;
  return out;
}

std::string in_quotes(std::string_view text) {
  return cat({"'", text, "'"});
}

// Code points, which is what a person counts as characters.
std::size_t character_count(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void validate_command(const ModuleDefinition& module, const Command& command) {
  std::string where =
      cat({"module ", in_quotes(module.name), ", command ", in_quotes(command.name)});
  if (command.name.starts_with('/')) {
    throw RegistryError(cat({where, MITI_WHY(": write the name without the leading '/'")}));
  }
  if (!is_valid_command_name(command.name)) {
    throw RegistryError(cat({where, MITI_WHY(": name must match ^[a-z0-9_]{1,32}$")}));
  }
  std::size_t length = character_count(command.description);
  if (length == 0 || length > kMaxDescriptionLength) {
    throw RegistryError(cat({where, MITI_WHY(": description must be 1 to 256 characters, got ",
                                             std::to_string(length))}));
  }
  if (command.handler == nullptr) throw RegistryError(cat({where, MITI_WHY(": has no handler")}));
}

// Records a declared name; false when it was declared before. (A module has a
// handful of names: a list is enough.)
bool first_time(std::vector<std::string_view>& seen, std::string_view name) {
  if (std::find(seen.begin(), seen.end(), name) != seen.end()) return false;
  seen.push_back(name);
  return true;
}

// Checks the module's crons; returns each one's parsed schedule, so the
// expression is parsed once per build and never at dispatch.
std::vector<cron::CronExpression> validate_crons(const ModuleDefinition& module) {
  std::vector<std::string_view> names;
  std::vector<cron::CronExpression> schedules;
  for (const Cron& cron : module.crons) {
    std::string where = cat({"module ", in_quotes(module.name), ", cron ", in_quotes(cron.name)});
    if (!is_valid_cron_name(cron.name)) {
      throw RegistryError(cat({where, MITI_WHY(": name must match ^[a-z0-9_-]{1,32}$")}));
    }
    if (!first_time(names, cron.name))
      throw RegistryError(cat({where, MITI_WHY(": declared twice")}));
    if (trim(cron.schedule).empty())
      throw RegistryError(cat({where, MITI_WHY(": schedule is empty")}));
    try {
      schedules.push_back(cron::CronExpression::parse(cron.schedule));
    } catch (const cron::CronError& error) {
      throw RegistryError(cat({where, ": ", error.what()}));  // the cron parser's own words
    }
    if (cron.handler == nullptr) throw RegistryError(cat({where, MITI_WHY(": has no handler")}));
  }
  return schedules;
}

void validate_handlers(const ModuleDefinition& module) {
  const std::string in_module = "module " + in_quotes(module.name);
  std::vector<std::string_view> names;
  for (const Callback& callback : module.callbacks) {
    std::string where = cat({in_module, ", callback ", in_quotes(callback.name)});
    if (!is_valid_callback_name(callback.name)) {
      throw RegistryError(cat({where, MITI_WHY(": name must match ^[a-z0-9_]{1,16}$")}));
    }
    if (!first_time(names, callback.name))
      throw RegistryError(cat({where, MITI_WHY(": declared twice")}));
    if (callback.handler == nullptr)
      throw RegistryError(cat({where, MITI_WHY(": has no handler")}));
    // "<module>:<callback>:" must leave room for a payload within 64 bytes.
    if (module.name.size() + callback.name.size() + 2 > CallbackData::kMaxBytes - 8) {
      throw RegistryError(cat({where, MITI_WHY(": module and callback names leave under 8 bytes of "
                                               "callback_data for the payload")}));
    }
  }
  names.clear();
  for (const MessageHandler& handler : module.messages) {
    std::string where = cat({in_module, ", message handler ", in_quotes(handler.name)});
    if (!is_valid_command_name(handler.name)) {
      throw RegistryError(cat({where, MITI_WHY(": name must match ^[a-z0-9_]{1,32}$")}));
    }
    if (!first_time(names, handler.name))
      throw RegistryError(cat({where, MITI_WHY(": declared twice")}));
    if (handler.handler == nullptr) throw RegistryError(cat({where, MITI_WHY(": has no handler")}));
    if (handler.chats == 0 || (handler.chats & ~unsigned{kAllChats}) != 0) {
      throw RegistryError(cat({where, MITI_WHY(": chats must be a non-empty set of kPrivateChats, "
                                               "kGroupChats and kChannelChats")}));
    }
  }
  names.clear();
  for (const Step& step : module.steps) {
    std::string where = cat({in_module, ", step ", in_quotes(step.name)});
    if (!is_valid_command_name(step.name)) {
      throw RegistryError(cat({where, MITI_WHY(": name must match ^[a-z0-9_]{1,32}$")}));
    }
    if (!first_time(names, step.name))
      throw RegistryError(cat({where, MITI_WHY(": declared twice")}));
    if (step.handler == nullptr) throw RegistryError(cat({where, MITI_WHY(": has no handler")}));
  }
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

bool is_valid_callback_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxCallbackName && all_chars(name, false);
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

Registry Registry::build(std::span<const ModuleEntry> available, std::string_view modules_var,
                         BuildOptions options) {
  std::vector<std::string> wanted = parse_module_list(modules_var);
  if (wanted.empty()) {
    throw RegistryError("MODULES is empty: list the modules to run, e.g. MODULES=\"util,misc\"");
  }

  Registry registry;
  // Routes point into modules_: reserving keeps those addresses stable.
  registry.modules_.reserve(wanted.size() + 1);
  std::size_t public_commands = 0;
  bool any_steps = false;
  bool module_cancel = false;
  for (const std::string& name : wanted) {
    if (name == kFrameworkModule) {
      throw RegistryError("module name 'miti' is the framework's own; rename the module");
    }
    auto entry = std::find_if(available.begin(), available.end(),
                              [&](const ModuleEntry& e) { return e.folder == name; });
    if (entry == available.end()) {
      std::string known;
      for (const ModuleEntry& e : available)
        known += (known.empty() ? "" : ", ") + std::string(e.folder);
      throw RegistryError(
          cat({"unknown module ", in_quotes(name), " in MODULES (compiled in: ", known, ")"}));
    }
    ModuleDefinition module = entry->factory();
    if (!is_valid_module_name(module.name)) {
      throw RegistryError(
          cat({"module ", in_quotes(module.name), MITI_WHY(": name must match ^[a-z0-9_]+$")}));
    }
    if (module.name != entry->folder) {
      throw RegistryError(
          cat({"module in modules/", std::string(entry->folder), " declares name ",
               in_quotes(module.name), MITI_WHY("; the name must equal the folder name")}));
    }
    for (const Command& command : module.commands) {
      validate_command(module, command);
      if (command.visibility == Visibility::kPublic) ++public_commands;
      if (command.name == "cancel") module_cancel = true;
    }
    validate_handlers(module);
    if (!module.steps.empty()) {
      any_steps = true;
      if (!options.has_db) {
        throw RegistryError(cat({"module ", in_quotes(module.name),
                                 " declares conversation steps, which need the DB binding (D1): "
                                 "add a [[d1_databases]] binding named DB, or leave the module out "
                                 "of MODULES"}));
      }
    }
    registry.modules_.push_back(std::move(module));
  }
  // The framework's module: /cancel only when conversations exist and no
  // module has a /cancel of its own (which then ends conversations, as every
  // command does).
  registry.modules_.push_back(framework_module(any_steps && !module_cancel));
  for (const Command& command : registry.modules_.back().commands) {
    if (command.visibility == Visibility::kPublic) ++public_commands;
  }
  if (public_commands > kMaxPublicCommands) {
    throw RegistryError(cat({std::to_string(public_commands),
                             " public commands; Telegram's command menu takes at most 100"}));
  }
  for (const ModuleDefinition& module : registry.modules_) {
    std::vector<cron::CronExpression> schedules = validate_crons(module);
    for (std::size_t i = 0; i < module.crons.size(); ++i) {
      registry.crons_.push_back(
          CronRoute{&module, &module.crons[i], schedules[i].normalized(), schedules[i]});
    }
  }
  registry.index();
  return registry;
}

void Registry::index() {
  commands_.clear();
  for (const ModuleDefinition& module : modules_) {
    for (const Command& command : module.commands) {
      auto [it, inserted] = commands_.try_emplace(command.name, CommandRoute{&module, &command});
      if (!inserted) {
        throw RegistryError(
            cat({"command ", in_quotes(command.name), " is claimed by module ",
                 in_quotes(it->second.module->name), " and module ", in_quotes(module.name)}));
      }
    }
    for (const Callback& callback : module.callbacks) {
      callbacks_.push_back(CallbackRoute{&module, &callback});
    }
    for (const Step& step : module.steps) steps_.push_back(StepRoute{&module, &step});
    for (const MessageHandler& handler : module.messages) {
      messages_.push_back(MessageRoute{&module, &handler});
    }
    if (module.on_membership != nullptr) membership_.push_back(&module);
    if (module.on_unknown_command != nullptr && fallback_ == nullptr) fallback_ = &module;
  }
}

const CommandRoute* Registry::find_command(std::string_view name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

const CallbackRoute* Registry::find_callback(std::string_view module, std::string_view name) const {
  for (const CallbackRoute& route : callbacks_) {
    if (route.module->name == module && route.callback->name == name) return &route;
  }
  return nullptr;
}

const StepRoute* Registry::find_step(std::string_view module, std::string_view name) const {
  for (const StepRoute& route : steps_) {
    if (route.module->name == module && route.step->name == name) return &route;
  }
  return nullptr;
}

bool Registry::has_edit_handlers() const noexcept {
  for (const ModuleDefinition& module : modules_) {
    for (const Command& command : module.commands) {
      if (command.edits) return true;
    }
    for (const MessageHandler& handler : module.messages) {
      if (handler.edits) return true;
    }
  }
  return false;
}

std::vector<std::string> Registry::allowed_updates() const {
  bool message = false;
  bool channel_post = false;
  bool edited_message = false;
  bool edited_channel_post = false;
  for (const ModuleDefinition& module : modules_) {
    // Commands, fallbacks and conversation answers arrive as messages; a
    // command may also be a channel post.
    if (!module.commands.empty() || module.on_unknown_command != nullptr) {
      message = channel_post = true;
    }
    if (!module.steps.empty()) message = true;
    for (const Command& command : module.commands) {
      if (command.edits) edited_message = edited_channel_post = true;
    }
    for (const MessageHandler& handler : module.messages) {
      if ((handler.chats & (kPrivateChats | kGroupChats)) != 0) {
        message = true;
        edited_message = edited_message || handler.edits;
      }
      if ((handler.chats & kChannelChats) != 0) {
        channel_post = true;
        edited_channel_post = edited_channel_post || handler.edits;
      }
    }
  }
  std::vector<std::string> kinds;
  if (message) kinds.emplace_back("message");
  if (edited_message) kinds.emplace_back("edited_message");
  if (channel_post) kinds.emplace_back("channel_post");
  if (edited_channel_post) kinds.emplace_back("edited_channel_post");
  if (!callbacks_.empty()) kinds.emplace_back("callback_query");
  if (!membership_.empty()) kinds.emplace_back("my_chat_member");
  return kinds;
}

}  // namespace miti::registry
