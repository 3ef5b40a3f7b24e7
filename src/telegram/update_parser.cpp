#include <optional>

#include "miti/telegram.hpp"

namespace miti::telegram {

namespace {

std::optional<std::int64_t> integer_field(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<std::string> string_field(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A missing or mistyped flag reads as false: a stray type must not throw.
bool bool_field(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::optional<User> parse_user(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  auto id = integer_field(json, "id");
  if (!id) return std::nullopt;
  User user;
  user.id = *id;
  user.is_bot = bool_field(json, "is_bot");
  user.first_name = string_field(json, "first_name").value_or("");
  user.last_name = string_field(json, "last_name");
  user.username = string_field(json, "username");
  user.language_code = string_field(json, "language_code");
  return user;
}

std::optional<Chat> parse_chat(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  auto id = integer_field(json, "id");
  if (!id) return std::nullopt;
  Chat chat;
  chat.id = *id;
  chat.type = string_field(json, "type").value_or("");
  chat.title = string_field(json, "title");
  chat.username = string_field(json, "username");
  return chat;
}

std::optional<Message> parse_message(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  auto message_id = integer_field(json, "message_id");
  auto chat_it = json.find("chat");
  if (!message_id || chat_it == json.end()) return std::nullopt;
  auto chat = parse_chat(*chat_it);
  if (!chat) return std::nullopt;

  Message message;
  message.message_id = *message_id;
  message.chat = std::move(*chat);
  message.message_thread_id = integer_field(json, "message_thread_id");
  message.is_topic_message = bool_field(json, "is_topic_message");
  message.date = integer_field(json, "date").value_or(0);
  message.text = string_field(json, "text");
  if (auto from = json.find("from"); from != json.end()) message.from = parse_user(*from);
  if (auto entities = json.find("entities"); entities != json.end() && entities->is_array()) {
    for (const Json& entity : *entities) {
      if (!entity.is_object()) continue;
      auto offset = integer_field(entity, "offset");
      auto length = integer_field(entity, "length");
      auto type = string_field(entity, "type");
      if (!offset || !length || !type) continue;
      message.entities.push_back(MessageEntity{std::move(*type), *offset, *length});
    }
  }
  return message;
}

// A present-but-malformed message field makes the whole body "not an update".
bool parse_message_field(const Json& json, const char* name, std::optional<Message>& out) {
  auto it = json.find(name);
  if (it == json.end()) return true;
  out = parse_message(*it);
  return out.has_value();
}

}  // namespace

std::optional<Update> parse_update(Json json) {
  if (!json.is_object()) return std::nullopt;
  auto update_id = integer_field(json, "update_id");
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
