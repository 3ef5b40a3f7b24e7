// Typed views of the Telegram Bot API objects the framework and modules use.
// An update is parsed once; the original JSON stays available as `raw`, for
// fields these views leave out.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  bool is_forum = false;
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
  // The chat the message was sent on behalf of: the group itself for an
  // anonymous admin, the channel for channel posts and "send as channel".
  std::optional<Chat> sender_chat;
  Chat chat;
  std::int64_t date = 0;  // 0 for a message the bot can no longer access
  std::optional<std::int64_t> edit_date;
  std::optional<std::string> text;
  std::vector<MessageEntity> entities;
  std::optional<std::string> caption;
  // The message this one replies to (one level deep, as Telegram sends it).
  std::shared_ptr<const Message> reply_to_message;
  // The inline keyboard under the message, as sent.
  Json reply_markup;
};

struct CallbackQuery {
  std::string id;
  User from;
  // The message with the pressed button; absent for buttons on inline-mode
  // messages (then inline_message_id is set), and "inaccessible" (date 0)
  // when the message is too old for the bot to see.
  std::optional<Message> message;
  std::optional<std::string> inline_message_id;
  std::string chat_instance;
  std::optional<std::string> data;
};

struct ChatMember {
  std::string status;  // creator, administrator, member, restricted, left, kicked
  User user;
};

// The bot's own membership changed (my_chat_member): added to or removed from
// a group, promoted, blocked or unblocked by a user in a private chat.
struct ChatMemberUpdated {
  Chat chat;
  User from;
  std::int64_t date = 0;
  ChatMember old_chat_member;
  ChatMember new_chat_member;

  // True while the bot is in the chat (or, in a private chat, not blocked).
  static bool is_present(std::string_view status) {
    return status == "creator" || status == "administrator" || status == "member" ||
           status == "restricted";
  }
  bool joined() const {
    return !is_present(old_chat_member.status) && is_present(new_chat_member.status);
  }
  bool left() const {
    return is_present(old_chat_member.status) && !is_present(new_chat_member.status);
  }
};

struct Update {
  std::int64_t update_id = 0;
  std::optional<Message> message;
  std::optional<Message> edited_message;
  std::optional<Message> channel_post;
  std::optional<Message> edited_channel_post;
  std::optional<CallbackQuery> callback_query;
  std::optional<ChatMemberUpdated> my_chat_member;
  Json raw;  // the whole update as received

  // The message a command may come from: message or channel_post.
  const Message* command_message() const {
    if (message) return &*message;
    if (channel_post) return &*channel_post;
    return nullptr;
  }
  // An edited message or channel post.
  const Message* edited() const {
    if (edited_message) return &*edited_message;
    if (edited_channel_post) return &*edited_channel_post;
    return nullptr;
  }
};

// Builds an Update from parsed JSON; std::nullopt when the JSON is not an
// update (no integer update_id, or a known field of the wrong shape).
std::optional<Update> parse_update(Json json);

// A Message from a Bot API result (sendMessage, editMessageText, ...);
// std::nullopt when it is not one.
std::optional<Message> parse_message(const Json& json);

// Telegram's stand-in senders: "Group" (GroupAnonymousBot, for anonymous
// admins), "Channel" (Channel_Bot, for messages sent as a channel) and
// "Telegram" (777000, for posts a linked channel forwards). They are shared
// by many real senders, so nothing may be owned by them.
inline constexpr std::int64_t kGroupAnonymousBotId = 1087968824;
inline constexpr std::int64_t kChannelBotId = 136817688;
inline constexpr std::int64_t kServiceNotificationsId = 777000;
inline bool is_placeholder_user(std::int64_t user_id) {
  return user_id == kGroupAnonymousBotId || user_id == kChannelBotId ||
         user_id == kServiceNotificationsId;
}

}  // namespace miti::telegram
