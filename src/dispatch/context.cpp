#include "miti/context.hpp"

#include <algorithm>

#include "dispatch/conversations.hpp"
#include "miti/error.hpp"
#include "miti/module.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti {

ModuleContext::ModuleContext(runtime::RequestScope& scope, const ModuleDefinition& module,
                             BotApi& api)
    : ModuleContext(scope, module.name, api) {
  module_ = &module;
}

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
std::int64_t ModuleContext::deadline_ms() const {
  return scope_->deadline_ms;
}

const std::vector<ModuleDefinition>& ModuleContext::active_modules() const {
  static const std::vector<ModuleDefinition> kNone;
  return active_modules_ != nullptr ? *active_modules_ : kNone;
}

CallbackData ModuleContext::callback_data(std::string_view handler,
                                          std::string_view payload) const {
  if (module_ != nullptr) {
    bool declared = std::any_of(module_->callbacks.begin(), module_->callbacks.end(),
                                [&](const Callback& callback) { return callback.name == handler; });
    if (!declared) {
      throw UsageError("module '" + module_name_ + "' declares no callback '" +
                       std::string(handler) + "' (add it to .callbacks)");
    }
  }
  return CallbackData::encode(module_name_, handler, payload);
}

Sender sender_of(const telegram::Message& message) {
  if (message.sender_chat) return Sender{message.sender_chat->id, nullptr, &*message.sender_chat};
  if (message.from && !telegram::is_placeholder_user(message.from->id)) {
    return Sender{message.from->id, &*message.from, nullptr};
  }
  return Sender{};
}

// ---------------------------------------------------------------- Context

Context::Context(runtime::RequestScope& scope, const ModuleDefinition& module, BotApi& api,
                 const telegram::Update& update, detail::RoutedUpdate routed)
    : ModuleContext(scope, module, api), update_(&update), routed_(std::move(routed)) {}

const telegram::Message& Context::message() const {
  if (routed_.message == nullptr) throw UsageError("this update has no message");
  return *routed_.message;
}

const telegram::Chat& Context::chat() const noexcept {
  static const telegram::Chat kNoChat;
  if (routed_.message != nullptr) return routed_.message->chat;
  if (update_->my_chat_member) return update_->my_chat_member->chat;
  return kNoChat;
}

const telegram::User* Context::from() const noexcept {
  if (update_->callback_query) return &update_->callback_query->from;
  if (update_->my_chat_member) return &update_->my_chat_member->from;
  if (routed_.message != nullptr && routed_.message->from) return &*routed_.message->from;
  return nullptr;
}

Sender Context::sender() const noexcept {
  // A button press or a membership change always comes from a real person.
  if (update_->callback_query) {
    return Sender{update_->callback_query->from.id, &update_->callback_query->from, nullptr};
  }
  if (update_->my_chat_member) {
    return Sender{update_->my_chat_member->from.id, &update_->my_chat_member->from, nullptr};
  }
  if (routed_.message != nullptr) return sender_of(*routed_.message);
  return Sender{};
}

std::string_view Context::text() const noexcept {
  if (routed_.message != nullptr && routed_.message->text) return *routed_.message->text;
  return {};
}

const telegram::CallbackQuery* Context::callback_query() const noexcept {
  return update_->callback_query ? &*update_->callback_query : nullptr;
}

const telegram::ChatMemberUpdated* Context::membership() const noexcept {
  return update_->my_chat_member ? &*update_->my_chat_member : nullptr;
}

Task<std::optional<telegram::Message>> Context::reply(std::string text, SendOptions options) {
  if (chat().id == 0) throw UsageError("this update has no chat to reply to");
  if (!options.message_thread_id && routed_.message != nullptr &&
      routed_.message->is_topic_message) {
    options.message_thread_id = routed_.message->message_thread_id;
  }
  return api().send_message(chat().id, std::move(text), std::move(options));
}

Task<void> Context::answer(std::string text, AnswerOptions options) {
  const telegram::CallbackQuery* query = callback_query();
  if (query == nullptr) throw UsageError("answer() is for button presses (callback queries)");
  if (api().answered(query->id)) {
    throw UsageError("this button press was answered already");
  }
  return api().answer_callback_query(query->id, std::move(text), std::move(options));
}

Task<std::optional<telegram::Message>> Context::edit_text(std::string text, EditOptions options) {
  const telegram::CallbackQuery* query = callback_query();
  if (query == nullptr || !query->message) {
    throw UsageError("edit_text() edits the message of a pressed button; there is none here");
  }
  return api().edit_message_text(query->message->chat.id, query->message->message_id,
                                 std::move(text), std::move(options));
}

Task<std::optional<telegram::Message>> Context::edit_keyboard(Json reply_markup) {
  const telegram::CallbackQuery* query = callback_query();
  if (query == nullptr || !query->message) {
    throw UsageError("edit_keyboard() edits the message of a pressed button; there is none here");
  }
  return api().edit_message_reply_markup(query->message->chat.id, query->message->message_id,
                                         std::move(reply_markup));
}

void Context::respond_now() {
  if (scope().respond_now != nullptr) scope().respond_now(scope().respond_now_owner, scope().id);
}

Task<void> Context::ask(std::string_view step, std::string question, AskOptions options) {
  const ModuleDefinition* definition = module();
  if (definition != nullptr &&
      std::none_of(definition->steps.begin(), definition->steps.end(),
                   [&](const Step& declared) { return declared.name == step; })) {
    throw UsageError("module '" + std::string(module_name()) + "' declares no step '" +
                     std::string(step) + "' (add it to .steps)");
  }
  if (!has_sql()) throw MissingBindingError("DB");
  const Sender asker = sender();
  if (!asker || chat().id == 0) throw UsageError("ask() needs a sender and a chat");
  if (options.timeout_ms < 1'000) throw UsageError("ask() timeout must be at least 1000 ms");

  dispatch::Conversation conversation{
      .chat_id = chat().id,
      .owner_id = asker.id,
      .module = std::string(module_name()),
      .step = std::string(step),
      .state = std::move(options.state),
      .expires_at = now_ms() + options.timeout_ms,
      .asked_by_update = update().update_id,
  };
  co_await dispatch::save_conversation(scope(), conversation);

  SendOptions send = std::move(options.send);
  const bool group = chat().type == "group" || chat().type == "supergroup";
  if (group && send.reply_markup.is_null()) {
    // Privacy mode lets a bot see group messages only when they reply to it.
    // Replying to the asker's message lets `selective` show the reply field
    // to them alone; after a button press there is no such message.
    const telegram::Message* asked_by = callback_query() == nullptr ? routed_.message : nullptr;
    if (!send.reply_to_message_id && asked_by != nullptr) {
      send.reply_to_message_id = asked_by->message_id;
    }
    send.reply_markup = force_reply({}, /*selective=*/send.reply_to_message_id.has_value());
  }
  co_await reply(std::move(question), std::move(send));
}

}  // namespace miti
