#include "dispatch/router.hpp"

#include <algorithm>
#include <cctype>

#include "miti/context.hpp"
#include "miti/keyboard.hpp"

namespace miti::dispatch {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool matches(const MessageHandler& handler, const telegram::Message& message,
             std::string_view bot_username, bool edited) {
  if (edited && !handler.edits) return false;
  if ((handler.chats & chat_type_bit(message.chat.type)) == 0) return false;
  return !handler.replies_only || replies_to_bot(message, bot_username);
}

std::optional<registry::MessageRoute> first_message_route(const registry::Registry& registry,
                                                          const telegram::Message& message,
                                                          std::string_view bot_username,
                                                          bool edited) {
  const auto& routes = registry.message_routes();
  auto it = std::find_if(routes.begin(), routes.end(), [&](const registry::MessageRoute& route) {
    return matches(*route.handler, message, bot_username, edited);
  });
  if (it == routes.end()) return std::nullopt;
  return *it;
}

Route ignore(const char* reason) {
  Route route;
  route.reason = reason;
  return route;
}

Route route_callback(const telegram::CallbackQuery& query, const registry::Registry& registry) {
  Route route;
  route.kind = RouteKind::kStaleCallback;
  route.message = query.message ? &*query.message : nullptr;
  if (!query.data) return route;
  std::optional<DecodedCallback> decoded = decode_callback_data(*query.data);
  if (!decoded) return route;
  const registry::CallbackRoute* found = registry.find_callback(decoded->module, decoded->handler);
  if (found == nullptr) return route;
  route.kind = RouteKind::kCallback;
  route.callback = found;
  route.payload = std::string(decoded->payload);
  route.read_only = found->callback->read_only;
  return route;
}

Route route_message(const telegram::Message& message, const registry::Registry& registry,
                    std::string_view bot_username) {
  Route route;
  route.message = &message;
  const bool has_sender = static_cast<bool>(sender_of(message));
  if (std::optional<telegram::ParsedCommand> command =
          telegram::parse_command(message, bot_username)) {
    route.ends_conversation = registry.has_steps() && has_sender;
    route.command = std::move(*command);
    if (const registry::CommandRoute* found = registry.find_command(route.command.name)) {
      route.kind = RouteKind::kCommand;
      route.command_route = found;
      route.read_only = found->command->read_only;
      return route;
    }
    if (registry.fallback_module() != nullptr) {
      route.kind = RouteKind::kUnknownCommand;
      route.fallback = registry.fallback_module();
      // A fallback answers; it is not worth a delivery record.
      route.read_only = true;
      return route;
    }
    route.kind = RouteKind::kIgnore;
    route.reason = "unknown command";
    return route;
  }
  if (telegram::starts_with_command(message)) return ignore("command for another bot");
  if (!message.text) return ignore("not a text message");
  route.kind = RouteKind::kPlainMessage;
  route.may_continue_conversation = registry.has_steps() && has_sender;
  route.message_route = first_message_route(registry, message, bot_username, false);
  // Without a handler of its own, a plain message needs no delivery record:
  // the only thing it can do is answer a pending question, and taking that
  // question deletes it in the same statement (a re-delivery finds nothing,
  // see take_conversation), so it runs at most once anyway.
  route.read_only = !route.message_route || route.message_route->handler->read_only;
  if (!route.may_continue_conversation && !route.message_route) {
    return ignore("no handler for plain messages");
  }
  return route;
}

Route route_edit(const telegram::Message& message, const registry::Registry& registry,
                 std::string_view bot_username) {
  Route route;
  route.message = &message;
  if (std::optional<telegram::ParsedCommand> command =
          telegram::parse_command(message, bot_username)) {
    const registry::CommandRoute* found = registry.find_command(command->name);
    if (found == nullptr || !found->command->edits) return ignore("edited command");
    route.kind = RouteKind::kEditedCommand;
    route.command = std::move(*command);
    route.command_route = found;
    route.read_only = found->command->read_only;
    return route;
  }
  if (!message.text || telegram::starts_with_command(message)) return ignore("edited message");
  route.message_route = first_message_route(registry, message, bot_username, true);
  if (!route.message_route) return ignore("edited message");
  route.kind = RouteKind::kEditedMessage;
  route.read_only = route.message_route->handler->read_only;
  return route;
}

}  // namespace

unsigned chat_type_bit(std::string_view type) {
  if (type == "private") return kPrivateChats;
  if (type == "group" || type == "supergroup") return kGroupChats;
  if (type == "channel") return kChannelChats;
  return 0;
}

bool replies_to_bot(const telegram::Message& message, std::string_view bot_username) {
  const telegram::Message* replied = message.reply_to_message.get();
  if (replied == nullptr || !replied->from || !replied->from->is_bot) return false;
  if (bot_username.starts_with('@')) bot_username.remove_prefix(1);
  if (bot_username.empty()) return true;
  return replied->from->username && iequals(*replied->from->username, bot_username);
}

Route route_update(const telegram::Update& update, const registry::Registry& registry,
                   std::string_view bot_username) {
  if (update.callback_query) return route_callback(*update.callback_query, registry);
  if (const telegram::Message* message = update.command_message()) {
    return route_message(*message, registry, bot_username);
  }
  if (const telegram::Message* edited = update.edited()) {
    return route_edit(*edited, registry, bot_username);
  }
  if (update.my_chat_member) {
    if (registry.membership_modules().empty()) return ignore("no membership handler");
    Route route;
    route.kind = RouteKind::kMembership;
    return route;
  }
  return ignore("update type not handled");
}

}  // namespace miti::dispatch
