#include "miti/context.hpp"

#include "miti/error.hpp"
#include "miti/module.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti {

ModuleContext::ModuleContext(runtime::RequestScope& scope, std::string_view module_name,
                             BotApi& api)
    : scope_(&scope), module_name_(module_name), api_(&api), db_(scope, std::string(module_name)) {}

bool ModuleContext::has_sql() const {
  return scope_->env->has_binding("DB");
}

SqlStore& ModuleContext::sql() {
  if (!has_sql()) throw MissingBindingError("DB");
  if (!sql_) sql_.emplace(*scope_, module_name_);
  return *sql_;
}

const Env& ModuleContext::env() const {
  return *scope_->env;
}
const Logger& ModuleContext::log() const {
  return scope_->log;
}
std::int64_t ModuleContext::now_ms() const {
  return scope_->runtime.now_ms();
}

const std::vector<ModuleDefinition>& ModuleContext::active_modules() const {
  static const std::vector<ModuleDefinition> kNone;
  return active_modules_ != nullptr ? *active_modules_ : kNone;
}

CommandContext::CommandContext(runtime::RequestScope& scope, std::string_view module_name,
                               BotApi& api, const telegram::Update& update,
                               const telegram::Message& message, std::string_view command,
                               std::string_view args)
    : ModuleContext(scope, module_name, api),
      update_(&update),
      message_(&message),
      command_(command),
      args_(args) {}

Task<void> CommandContext::reply(std::string text, SendOptions options) {
  if (!options.message_thread_id && message_->is_topic_message) {
    options.message_thread_id = message_->message_thread_id;
  }
  co_await api().send_message(chat().id, std::move(text), std::move(options));
}

}  // namespace miti
