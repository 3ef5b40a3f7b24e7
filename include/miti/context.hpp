// What a module's code receives: its stores, the environment, the Bot API,
// and, for update handlers, the update with helpers to answer it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "miti/bot_api.hpp"
#include "miti/env.hpp"
#include "miti/json.hpp"
#include "miti/keyboard.hpp"
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

// Given to init and cron handlers, and the base of an update's context.
class ModuleContext {
 public:
  ModuleContext(runtime::RequestScope& scope, const ModuleDefinition& module, BotApi& api);
  // For code that runs outside a declared module (tests, framework tasks).
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
  // When this request must be done by (epoch ms): work that would run past
  // it should stop and leave the rest for later.
  std::int64_t deadline_ms() const;
  // The modules that run, in MODULES order (what /help lists).
  const std::vector<ModuleDefinition>& active_modules() const;
  void set_active_modules(const std::vector<ModuleDefinition>& modules) noexcept {
    active_modules_ = &modules;
  }

  // callback_data for a button whose press goes to this module's callback
  // `handler` with `payload`. UsageError when the module declares no such
  // callback or the data would exceed Telegram's 64 bytes.
  CallbackData callback_data(std::string_view handler, std::string_view payload = {}) const;

 protected:
  runtime::RequestScope& scope() const noexcept { return *scope_; }
  const ModuleDefinition* module() const noexcept { return module_; }

 private:
  runtime::RequestScope* scope_;
  const ModuleDefinition* module_ = nullptr;
  std::string module_name_;
  BotApi* api_;
  const std::vector<ModuleDefinition>* active_modules_ = nullptr;
  KvStore db_;
  std::optional<SqlStore> sql_;  // built on first use: SQL-free modules pay nothing
};

// Why a handler runs.
enum class UpdateKind {
  kCommand,         // a /command in a message or channel post
  kEditedCommand,   // an edited message starting with a command that opted into edits
  kUnknownCommand,  // a command nobody declared (on_unknown_command)
  kMessage,         // a plain message (MessageHandler)
  kEditedMessage,   // an edited plain message (MessageHandler with edits)
  kCallback,        // a button press (Callback)
  kStep,            // the answer to ctx.ask() (Step)
  kMembership,      // the bot's membership changed (on_membership)
};

// Who sent the update, as the owner of anything it creates: a person, or the
// chat a message was sent on behalf of (an anonymous group admin, a channel
// post, "send as channel"). Telegram's placeholder users ("Group",
// "Channel_Bot", 777000) are never senders. Key data on id(): user ids are
// positive and chat ids negative, so they never collide.
struct Sender {
  std::int64_t id = 0;                   // 0: nobody (e.g. a service message)
  const telegram::User* user = nullptr;  // set for a person
  const telegram::Chat* chat = nullptr;  // set for a chat
  explicit operator bool() const noexcept { return id != 0; }
  bool is_user() const noexcept { return user != nullptr; }
};

// The sender of a message by the rule above.
Sender sender_of(const telegram::Message& message);

struct AskOptions {
  Json state;                                           // handed to the step as ctx.state()
  std::int64_t timeout_ms = std::int64_t{10} * 60'000;  // the answer must come within this
  SendOptions send;                                     // how the question is sent
};

namespace detail {
// What the dispatcher found out about an update before calling a handler.
struct RoutedUpdate {
  UpdateKind kind = UpdateKind::kCommand;
  const telegram::Message* message = nullptr;
  std::string command;
  std::string args;
  std::string payload;
  std::string step;
  Json state;
};
}  // namespace detail

// Every update handler gets one: commands, plain messages, button presses,
// conversation steps, membership changes.
class Context : public ModuleContext {
 public:
  Context(runtime::RequestScope& scope, const ModuleDefinition& module, BotApi& api,
          const telegram::Update& update, detail::RoutedUpdate routed);

  UpdateKind kind() const noexcept { return routed_.kind; }
  const telegram::Update& update() const noexcept { return *update_; }
  // The message: the command's, the plain or edited one, the answer to a
  // question, or the one whose button was pressed (nullptr for membership
  // changes and for buttons on inline-mode messages).
  const telegram::Message* message_or_null() const noexcept { return routed_.message; }
  // The same, for handlers that always have one (commands, messages, steps);
  // throws UsageError when there is none.
  const telegram::Message& message() const;
  // The chat of the update (id 0 when there is none).
  const telegram::Chat& chat() const noexcept;
  // Telegram's `from` as sent (may be a placeholder user, see Sender).
  const telegram::User* from() const noexcept;
  Sender sender() const noexcept;

  // Commands: the name (without '/' and '@bot') and the text after it.
  std::string_view command() const noexcept { return routed_.command; }
  std::string_view args() const noexcept { return routed_.args; }
  // The message text ("" when there is none).
  std::string_view text() const noexcept;
  // Button presses: the query, and the payload given to callback_data().
  const telegram::CallbackQuery* callback_query() const noexcept;
  std::string_view payload() const noexcept { return routed_.payload; }
  // Conversation steps: the step's name and the state given to ask().
  std::string_view step() const noexcept { return routed_.step; }
  const Json& state() const noexcept { return routed_.state; }
  // Membership changes.
  const telegram::ChatMemberUpdated* membership() const noexcept;

  // Sends text to this chat (and topic), splitting text over 4,096 characters.
  Task<std::optional<telegram::Message>> reply(std::string text, SendOptions options = {});
  // Answers the button press (a toast, or an alert with show_alert). Without
  // it the framework answers with no text once the handler returns, so the
  // button's spinner always stops.
  Task<void> answer(std::string text = {}, AnswerOptions options = {});
  // Edits the message whose button was pressed (text, and keyboard through
  // options.reply_markup: leave it null to remove the buttons).
  Task<std::optional<telegram::Message>> edit_text(std::string text, EditOptions options = {});
  // Replaces (or with null, removes) the keyboard of the pressed message.
  Task<std::optional<telegram::Message>> edit_keyboard(Json reply_markup = {});

  // Answers Telegram's webhook request now (with the first call, if it is
  // still held for the webhook answer) and lets this handler go on in the
  // background, within the 30 s a Worker may run after its answer. For work
  // that takes longer than Telegram should wait: say "working on it…", answer
  // now, then edit the message with the result. The framework does the same
  // by itself when a handler runs past MITI_BACKGROUND_AFTER_MS (10 s).
  void respond_now();

  // Asks a question: sends it, and hands the sender's next plain message in
  // this chat to this module's step `step` (with options.state), unless a
  // command, /cancel or the timeout comes first. In groups the question asks
  // for a reply (force_reply), which a bot in privacy mode needs to see it.
  // Needs the DB binding; UsageError for an undeclared step.
  Task<void> ask(std::string_view step, std::string question, AskOptions options = {});

 private:
  const telegram::Update* update_;
  detail::RoutedUpdate routed_;
};

using CommandContext = Context;

}  // namespace miti
