// Where an update goes: decided from the update and the registry alone (no
// I/O), so the rules are unit tested. The dispatcher (worker.cpp) then does
// the I/O a route needs (the delivery record, the pending conversation) and
// runs the handler.
//
// Rules, in order:
//   callback_query   its data names a declared callback ("<module>:<name>:...")
//                    -> that callback; anything else -> answered and ignored
//   message / channel_post
//     a command      "/cmd" or "/cmd@<this bot>": the declared command, else
//                    the first module's on_unknown_command, else ignored;
//                    "/cmd@other_bot" is ignored. Ends a pending conversation.
//     plain text     the sender's pending conversation step (if any), else the
//                    first MessageHandler (MODULES order, then declaration
//                    order) whose chats and replies_only match, else ignored
//   edited_message / edited_channel_post
//                    a command whose declaration has edits=true, or the first
//                    MessageHandler with edits=true that matches; else ignored
//   my_chat_member   every module with on_membership
//   anything else    ignored
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "miti/telegram.hpp"
#include "registry/registry.hpp"
#include "telegram/command_parser.hpp"

namespace miti::dispatch {

enum class RouteKind {
  kIgnore,
  kCommand,
  kEditedCommand,
  kUnknownCommand,
  kPlainMessage,  // a conversation step or a message handler (see Route)
  kEditedMessage,
  kCallback,
  kStaleCallback,  // a press nobody handles: answered, nothing else
  kMembership,
};

struct Route {
  RouteKind kind = RouteKind::kIgnore;
  const telegram::Message* message = nullptr;
  telegram::ParsedCommand command;
  const registry::CommandRoute* command_route = nullptr;
  const ModuleDefinition* fallback = nullptr;  // kUnknownCommand
  std::optional<registry::MessageRoute> message_route;
  // A plain message from a sender while some module declares steps: look for
  // the sender's pending conversation first.
  bool may_continue_conversation = false;
  const registry::CallbackRoute* callback = nullptr;
  std::string payload;
  // Changes nothing: no delivery record needed.
  bool read_only = false;
  // A command by a sender while conversations exist: it ends theirs.
  bool ends_conversation = false;
  // Why an update is ignored (for the debug log).
  const char* reason = "";
};

// The MessageHandler chat bit for a chat type ("private", "group", ...); 0
// for a type miti does not know.
unsigned chat_type_bit(std::string_view type);

// Whether the message replies to one of this bot's own messages. With no
// username configured, a reply to any bot counts.
bool replies_to_bot(const telegram::Message& message, std::string_view bot_username);

Route route_update(const telegram::Update& update, const registry::Registry& registry,
                   std::string_view bot_username);

}  // namespace miti::dispatch
