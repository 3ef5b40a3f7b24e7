// "Who sent this": the user, or the chat a message was sent on behalf of;
// Telegram's placeholder users are never owners.
#include <catch2/catch.hpp>

#include "miti/context.hpp"
#include "miti/telegram.hpp"

using miti::sender_of;
using miti::telegram::Chat;
using miti::telegram::Message;
using miti::telegram::User;

namespace {
Message message_from(std::optional<User> from, std::optional<Chat> sender_chat = std::nullopt) {
  Message message;
  message.chat = Chat{.id = -100, .type = "supergroup"};
  message.from = std::move(from);
  message.sender_chat = std::move(sender_chat);
  return message;
}
}  // namespace

TEST_CASE("identity: a person is their user id", "[identity]") {
  Message message = message_from(User{.id = 42, .first_name = "Ada"});
  miti::Sender sender = sender_of(message);
  CHECK(sender.id == 42);
  CHECK(sender.is_user());
  CHECK(sender.user->first_name == "Ada");
}

TEST_CASE("identity: an anonymous admin is the group, never GroupAnonymousBot", "[identity]") {
  Message message = message_from(User{.id = miti::telegram::kGroupAnonymousBotId, .is_bot = true},
                                 Chat{.id = -100, .type = "supergroup"});
  miti::Sender sender = sender_of(message);
  CHECK(sender.id == -100);
  CHECK_FALSE(sender.is_user());
  REQUIRE(sender.chat != nullptr);
  CHECK(sender.chat->id == -100);
}

TEST_CASE("identity: sending as a channel (Channel_Bot) is that channel", "[identity]") {
  Message message = message_from(User{.id = miti::telegram::kChannelBotId, .is_bot = true},
                                 Chat{.id = -1009, .type = "channel"});
  CHECK(sender_of(message).id == -1009);
}

TEST_CASE("identity: a channel post is its channel; a linked channel's forward too", "[identity]") {
  CHECK(sender_of(message_from(std::nullopt, Chat{.id = -1007, .type = "channel"})).id == -1007);
  Message forward = message_from(User{.id = miti::telegram::kServiceNotificationsId},
                                 Chat{.id = -1008, .type = "channel"});
  CHECK(sender_of(forward).id == -1008);
}

TEST_CASE("identity: a placeholder user without a chat is nobody", "[identity]") {
  for (std::int64_t placeholder :
       {miti::telegram::kGroupAnonymousBotId, miti::telegram::kChannelBotId,
        miti::telegram::kServiceNotificationsId}) {
    INFO(placeholder);
    CHECK_FALSE(sender_of(message_from(User{.id = placeholder})));
  }
  CHECK_FALSE(sender_of(message_from(std::nullopt)));
}
