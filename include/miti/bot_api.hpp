// Calls to the Telegram Bot API for one update or cron run.
//
// The first send() of an update (if no call() came before it) may travel in
// the webhook response body instead of a subrequest. To keep calls in order it is held back: if a
// second call follows, the held one is sent through fetch first. Whatever is still held when the
// handler returns becomes the webhook response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "miti/json.hpp"
#include "miti/task.hpp"

namespace miti {

namespace runtime {
struct RequestScope;
}

struct SendOptions {
  std::optional<std::string> parse_mode;  // "HTML", "MarkdownV2"
  std::optional<std::int64_t> reply_to_message_id;
  std::optional<std::int64_t> message_thread_id;
  std::optional<bool> disable_notification;
  std::optional<bool> disable_link_preview;  // becomes link_preview_options
  Json extra = Json::object();               // any other sendMessage parameter
};

class BotApi {
 public:
  static constexpr std::size_t kMaxMessageLength = 4096;  // UTF-16 code units

  BotApi(runtime::RequestScope& scope, bool allow_webhook_reply);

  // Always a subrequest; returns the method's `result`.
  Task<Json> call(std::string method, Json params);
  // May be held for the webhook response; returns nothing.
  Task<void> send(std::string method, Json params);
  // sendMessage, split into several messages when the text is too long.
  Task<void> send_message(std::int64_t chat_id, std::string text, SendOptions options = {});

  // The held call, for the webhook response ({"method": ..., params...}).
  std::optional<Json> take_webhook_reply();
  int subrequest_count() const noexcept { return subrequests_; }

 private:
  Task<void> flush_held();

  runtime::RequestScope* scope_;
  bool allow_webhook_reply_;
  bool used_ = false;
  std::optional<Json> held_;
  int subrequests_ = 0;
};

}  // namespace miti
