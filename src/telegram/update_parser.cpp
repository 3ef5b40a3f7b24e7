#include <optional>

#include "miti/telegram.hpp"
#include "util/json_access.hpp"

namespace miti::telegram {

namespace {

using util::integer;
using util::text;

std::optional<User> parse_user(const Json& json) {
  auto id = integer(json, "id");
  if (!id) return std::nullopt;
  User user;
  user.id = *id;
  user.is_bot = util::bool_or(json, "is_bot", false);
  user.first_name = text(json, "first_name").value_or("");
  user.last_name = text(json, "last_name");
  user.username = text(json, "username");
  user.language_code = text(json, "language_code");
  return user;
}

std::optional<Chat> parse_chat(const Json& json) {
  auto id = integer(json, "id");
  if (!id) return std::nullopt;
  Chat chat;
  chat.id = *id;
  chat.type = text(json, "type").value_or("");
  chat.title = text(json, "title");
  chat.username = text(json, "username");
  chat.is_forum = util::bool_or(json, "is_forum", false);
  return chat;
}

std::vector<MessageEntity> parse_entities(const Json* entities) {
  std::vector<MessageEntity> out;
  if (entities == nullptr) return out;
  for (const Json& entity : *entities) {
    auto offset = integer(entity, "offset");
    auto length = integer(entity, "length");
    auto type = text(entity, "type");
    if (!offset || !length || !type) continue;
    out.push_back(MessageEntity{std::move(*type), *offset, *length});
  }
  return out;
}

std::optional<Message> parse_message_at(const Json& json, int depth) {
  auto message_id = integer(json, "message_id");
  const Json* chat_json = json.find("chat");
  if (!message_id || chat_json == nullptr) return std::nullopt;
  auto chat = parse_chat(*chat_json);
  if (!chat) return std::nullopt;

  Message message;
  message.message_id = *message_id;
  message.chat = std::move(*chat);
  message.message_thread_id = integer(json, "message_thread_id");
  message.is_topic_message = util::bool_or(json, "is_topic_message", false);
  message.date = integer(json, "date").value_or(0);
  message.edit_date = integer(json, "edit_date");
  message.text = text(json, "text");
  message.caption = text(json, "caption");
  if (const Json* from = json.find("from")) message.from = parse_user(*from);
  if (const Json* sender = json.find("sender_chat")) message.sender_chat = parse_chat(*sender);
  message.entities = parse_entities(json.find("entities"));
  // Telegram nests one level; deeper copies would only cost memory.
  if (const Json* replied = json.find("reply_to_message"); replied != nullptr && depth == 0) {
    if (auto inner = parse_message_at(*replied, depth + 1)) {
      message.reply_to_message = std::make_shared<const Message>(std::move(*inner));
    }
  }
  if (const Json* markup = json.find("reply_markup")) message.reply_markup = *markup;
  return message;
}

std::optional<CallbackQuery> parse_callback_query(const Json& json) {
  auto id = text(json, "id");
  const Json* from_json = json.find("from");
  if (!id || from_json == nullptr) return std::nullopt;
  auto from = parse_user(*from_json);
  if (!from) return std::nullopt;
  CallbackQuery query;
  query.id = std::move(*id);
  query.from = std::move(*from);
  if (const Json* message = json.find("message")) query.message = parse_message_at(*message, 0);
  query.inline_message_id = text(json, "inline_message_id");
  query.chat_instance = text(json, "chat_instance").value_or("");
  query.data = text(json, "data");
  return query;
}

std::optional<ChatMember> parse_chat_member(const Json* json) {
  if (json == nullptr) return std::nullopt;
  auto status = text(*json, "status");
  const Json* user_json = json->find("user");
  if (!status || user_json == nullptr) return std::nullopt;
  auto user = parse_user(*user_json);
  if (!user) return std::nullopt;
  return ChatMember{std::move(*status), std::move(*user)};
}

std::optional<ChatMemberUpdated> parse_member_update(const Json& json) {
  const Json* chat_json = json.find("chat");
  const Json* from_json = json.find("from");
  if (chat_json == nullptr || from_json == nullptr) return std::nullopt;
  auto chat = parse_chat(*chat_json);
  auto from = parse_user(*from_json);
  auto old_member = parse_chat_member(json.find("old_chat_member"));
  auto new_member = parse_chat_member(json.find("new_chat_member"));
  if (!chat || !from || !old_member || !new_member) return std::nullopt;
  return ChatMemberUpdated{std::move(*chat), std::move(*from), integer(json, "date").value_or(0),
                           std::move(*old_member), std::move(*new_member)};
}

// A present-but-malformed field makes the whole body "not an update".
template <typename T, typename Parse>
bool parse_field(const Json& json, const char* name, std::optional<T>& out, Parse parse) {
  const Json* value = json.find(name);
  if (value == nullptr) return true;
  out = parse(*value);
  return out.has_value();
}

}  // namespace

std::optional<Message> parse_message(const Json& json) {
  return parse_message_at(json, 0);
}

std::optional<Update> parse_update(Json json) {
  auto update_id = integer(json, "update_id");
  if (!update_id) return std::nullopt;
  Update update;
  update.update_id = *update_id;
  auto message = [](const Json& value) { return parse_message_at(value, 0); };
  if (!parse_field(json, "message", update.message, message) ||
      !parse_field(json, "edited_message", update.edited_message, message) ||
      !parse_field(json, "channel_post", update.channel_post, message) ||
      !parse_field(json, "edited_channel_post", update.edited_channel_post, message) ||
      !parse_field(json, "callback_query", update.callback_query, parse_callback_query) ||
      !parse_field(json, "my_chat_member", update.my_chat_member, parse_member_update)) {
    return std::nullopt;
  }
  update.raw = std::move(json);
  return update;
}

}  // namespace miti::telegram
