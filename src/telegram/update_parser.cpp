#include <optional>

#include "miti/telegram.hpp"
#include "util/json_access.hpp"

namespace miti::telegram {

namespace {

using util::integer;
using util::text;

std::optional<User> parse_user(const Json& json) {
  if (!json.is_object()) return std::nullopt;
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
  if (!json.is_object()) return std::nullopt;
  auto id = integer(json, "id");
  if (!id) return std::nullopt;
  Chat chat;
  chat.id = *id;
  chat.type = text(json, "type").value_or("");
  chat.title = text(json, "title");
  chat.username = text(json, "username");
  return chat;
}

std::optional<Message> parse_message(const Json& json) {
  if (!json.is_object()) return std::nullopt;
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
  message.text = text(json, "text");
  if (const Json* from = json.find("from")) message.from = parse_user(*from);
  if (const Json* entities = json.find("entities"); entities != nullptr && entities->is_array()) {
    for (const Json& entity : *entities) {
      if (!entity.is_object()) continue;
      auto offset = integer(entity, "offset");
      auto length = integer(entity, "length");
      auto type = text(entity, "type");
      if (!offset || !length || !type) continue;
      message.entities.push_back(MessageEntity{std::move(*type), *offset, *length});
    }
  }
  return message;
}

// A present-but-malformed message field makes the whole body "not an update".
bool parse_message_field(const Json& json, const char* name, std::optional<Message>& out) {
  const Json* value = json.find(name);
  if (value == nullptr) return true;
  out = parse_message(*value);
  return out.has_value();
}

}  // namespace

std::optional<Update> parse_update(Json json) {
  if (!json.is_object()) return std::nullopt;
  auto update_id = integer(json, "update_id");
  if (!update_id) return std::nullopt;
  Update update;
  update.update_id = *update_id;
  if (!parse_message_field(json, "message", update.message) ||
      !parse_message_field(json, "edited_message", update.edited_message) ||
      !parse_message_field(json, "channel_post", update.channel_post) ||
      !parse_message_field(json, "edited_channel_post", update.edited_channel_post)) {
    return std::nullopt;
  }
  update.raw = std::move(json);
  return update;
}

}  // namespace miti::telegram
