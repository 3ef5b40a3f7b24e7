// Typed views of the Telegram Bot API objects the framework and modules use.
// An update is parsed once; the original JSON stays available as `raw`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "miti/json.hpp"

namespace miti::telegram {

struct User {
  std::int64_t id = 0;
  bool is_bot = false;
  std::string first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> username;
  std::optional<std::string> language_code;
};

struct Chat {
  std::int64_t id = 0;
  std::string type;  // private, group, supergroup, channel
  std::optional<std::string> title;
  std::optional<std::string> username;
};

// Offsets and lengths count UTF-16 code units, as Telegram sends them.
struct MessageEntity {
  std::string type;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

struct Message {
  std::int64_t message_id = 0;
  std::optional<std::int64_t> message_thread_id;
  bool is_topic_message = false;
  std::optional<User> from;
  Chat chat;
  std::int64_t date = 0;
  std::optional<std::string> text;
  std::vector<MessageEntity> entities;
};

struct Update {
  std::int64_t update_id = 0;
  std::optional<Message> message;
  std::optional<Message> edited_message;
  std::optional<Message> channel_post;
  std::optional<Message> edited_channel_post;
  Json raw;  // the whole update as received

  // The message a command may come from: message or channel_post.
  const Message* command_message() const {
    if (message) return &*message;
    if (channel_post) return &*channel_post;
    return nullptr;
  }
};

// Builds an Update from parsed JSON; std::nullopt when the JSON is not an
// update (no integer update_id, or a known field of the wrong shape).
std::optional<Update> parse_update(Json json);

}  // namespace miti::telegram
