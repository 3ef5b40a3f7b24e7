// Declaring a module. A module lives in modules/<name>/ and defines
//
//   MITI_MODULE(name) {
//     return {
//         .commands = {{"hello", miti::Visibility::kPublic, "Say hello", hello}},
//         .callbacks = {{"like", on_like}},                      // inline buttons
//         .messages = {{.name = "echo", .handler = on_text}},    // plain text
//         .steps = {{"title", on_title}},                        // conversation steps
//         .on_membership = on_membership,                        // my_chat_member
//         .on_unknown_command = on_unknown,                      // fallback
//         .init = init,
//         .crons = {{"daily", "0 3 * * *", daily}},
//     };
//   }
//
// Every field but commands is optional. The build discovers every folder
// under modules/; the MODULES variable picks which of them run, in which
// order. The registry checks every declaration when it is built and fails
// loudly, naming the module and the declaration at fault. See
// docs/handling-updates.md for how updates are routed.
#pragma once

#include <cstdint>
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

// Every handler of an update gets the same context.
using Handler = Task<void> (*)(Context&);
using CommandHandler = Handler;
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
  Handler handler = nullptr;
  // Also run when a message that starts with this command is edited (off:
  // editing "/note milk" into "/note bread" saves nothing twice).
  bool edits = false;
  // Changes nothing (e.g. /help): a re-delivered update may run it again, so
  // it skips the at-most-once record and its D1 round trip.
  bool read_only = false;
};

// A named handler for inline-keyboard buttons. Buttons are built with
// ctx.callback_data(name, payload), which namespaces the data by module and
// handler ("<module>:<name>:<payload>", at most 64 bytes).
struct Callback {
  std::string_view name;  // ^[a-z0-9_]{1,16}$, unique within the module
  Handler handler = nullptr;
  bool read_only = false;
};

// Which chats a message handler hears, as a set of bits.
enum ChatTypes : unsigned {
  kPrivateChats = 1u << 0,
  kGroupChats = 1u << 1,    // "group" and "supergroup"
  kChannelChats = 1u << 2,  // channel posts
  kAllChats = kPrivateChats | kGroupChats | kChannelChats,
};

// A handler for plain messages (text that is not a command). Each message
// goes to the first matching handler, in MODULES order and then in
// declaration order; a pending conversation step comes before all of them.
struct MessageHandler {
  std::string_view name;  // ^[a-z0-9_]{1,32}$, unique within the module (for logs)
  unsigned chats = kPrivateChats | kGroupChats;
  // Only messages that reply to one of the bot's own messages (what a bot in
  // a group with privacy mode on receives anyway).
  bool replies_only = false;
  // Also edited messages (ctx.kind() == UpdateKind::kEditedMessage).
  bool edits = false;
  Handler handler = nullptr;
  bool read_only = false;
};

// A step of a conversation: what runs with the user's next plain message in
// the chat after ctx.ask(step, question). State travels in ctx.state().
struct Step {
  std::string_view name;  // ^[a-z0-9_]{1,32}$, unique within the module
  Handler handler = nullptr;
};

struct Cron {
  std::string_view name;      // ^[a-z0-9_-]{1,32}$, unique within the module
  std::string_view schedule;  // five-field cron expression, UTC
  CronHandler handler = nullptr;
};

struct ModuleDefinition {
  std::string_view name;  // filled in by MITI_MODULE: the folder name
  std::vector<Command> commands;
  std::vector<Callback> callbacks;
  std::vector<MessageHandler> messages;
  std::vector<Step> steps;  // needs the DB binding (conversations live in D1)
  // The bot was added to or removed from a chat, or blocked / unblocked in a
  // private chat. Every module that declares it is told, in MODULES order.
  Handler on_membership = nullptr;
  // A command no module declares; the first module (in MODULES order) that
  // declares a fallback handles it.
  Handler on_unknown_command = nullptr;
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
