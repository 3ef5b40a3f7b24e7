// What a module's code receives: its stores, the environment, the Bot API,
// and for commands the update that triggered them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "miti/bot_api.hpp"
#include "miti/env.hpp"
#include "miti/kv_store.hpp"
#include "miti/log.hpp"
#include "miti/sql_store.hpp"
#include "miti/task.hpp"
#include "miti/telegram.hpp"

namespace miti {

namespace runtime {
struct RequestScope;
}
struct ModuleDefinition;

// Given to init and cron handlers, and the base of a command's context.
class ModuleContext {
 public:
  ModuleContext(runtime::RequestScope& scope, std::string_view module_name, BotApi& api);

  std::string_view module_name() const noexcept { return module_name_; }
  // The module's KV store (keys prefixed "<module>:").
  KvStore& db() noexcept { return db_; }
  // True when the Worker has a DB (D1) binding.
  bool has_sql() const;
  // The module's SQL store; throws MissingBindingError when there is no DB.
  SqlStore& sql();
  const Env& env() const;
  BotApi& api() noexcept { return *api_; }
  const Logger& log() const;
  // Milliseconds since the Unix epoch (workerd advances it at I/O only).
  std::int64_t now_ms() const;
  // The modules that run, in MODULES order (what /help lists).
  const std::vector<ModuleDefinition>& active_modules() const;
  void set_active_modules(const std::vector<ModuleDefinition>& modules) noexcept {
    active_modules_ = &modules;
  }

 protected:
  runtime::RequestScope& scope() const noexcept { return *scope_; }

 private:
  runtime::RequestScope* scope_;
  std::string module_name_;
  BotApi* api_;
  const std::vector<ModuleDefinition>* active_modules_ = nullptr;
  KvStore db_;
  std::optional<SqlStore> sql_;  // built on first use: SQL-free modules pay nothing
};

class CommandContext : public ModuleContext {
 public:
  CommandContext(runtime::RequestScope& scope, std::string_view module_name, BotApi& api,
                 const telegram::Update& update, const telegram::Message& message,
                 std::string_view command, std::string_view args);

  const telegram::Update& update() const noexcept { return *update_; }
  const telegram::Message& message() const noexcept { return *message_; }
  const telegram::Chat& chat() const noexcept { return message_->chat; }
  // The sender; absent for channel posts.
  const telegram::User* from() const noexcept {
    return message_->from ? &*message_->from : nullptr;
  }
  std::string_view command() const noexcept { return command_; }
  // The text after the command, leading whitespace removed.
  std::string_view args() const noexcept { return args_; }

  // Sends text to this chat (and topic), splitting text over 4,096 characters.
  Task<void> reply(std::string text, SendOptions options = {});

 private:
  const telegram::Update* update_;
  const telegram::Message* message_;
  std::string command_;
  std::string args_;
};

}  // namespace miti
