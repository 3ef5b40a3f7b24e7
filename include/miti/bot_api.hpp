// Calls to the Telegram Bot API for one update or cron run.
//
// The first call of an update (if nothing went before it) may travel in the
// webhook response body instead of a subrequest: Telegram performs it, but
// its result is never known. To keep calls in order it is held back: if a
// second call follows, the held one is sent through fetch first. Whatever is
// still held when the handler returns becomes the webhook response.
//
// The typed helpers (send_message, edit_message_text, ...) return the sent
// or edited Message when they went through fetch, and std::nullopt when they
// rode in the webhook response; pass `.no_webhook_reply = true` when the
// handler needs the result (e.g. a message id to edit later). call() always
// uses fetch and returns the method's raw `result`.
//
// Errors: ok=false becomes BotApiError or one of its subclasses
// (TooManyRequestsError, ChatMigratedError, ForbiddenError, see
// miti/error.hpp); a call that gets no answer within the fetch timeout
// (MITI_FETCH_TIMEOUT_MS) is a TimeoutError. A 429 is retried after its
// retry_after when that fits the time left in the request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "miti/json.hpp"
#include "miti/keyboard.hpp"
#include "miti/task.hpp"
#include "miti/telegram.hpp"

namespace miti {

namespace runtime {
struct RequestScope;
}

struct SendOptions {
  std::optional<std::string> parse_mode;  // "HTML", "MarkdownV2"
  std::optional<std::int64_t> reply_to_message_id;
  std::optional<std::int64_t> message_thread_id;  // a forum topic
  std::optional<bool> disable_notification;
  std::optional<bool> disable_link_preview;  // becomes link_preview_options
  std::optional<bool> protect_content;
  Json reply_markup;              // an InlineKeyboard, force_reply(), remove_keyboard(); null: none
  bool no_webhook_reply = false;  // go through fetch, so the result is known
  Json extra = Json::object();    // any other parameter of the method
};

struct EditOptions {
  std::optional<std::string> parse_mode;
  std::optional<bool> disable_link_preview;
  Json reply_markup;  // an InlineKeyboard; null keeps no keyboard
  bool no_webhook_reply = false;
  Json extra = Json::object();
};

struct AnswerOptions {
  bool show_alert = false;  // a dialog instead of a toast
  std::optional<std::string> url;
  std::optional<int> cache_time;
};

struct CallOptions {
  // Retry a 429 after its retry_after when the wait fits the time left in
  // the request; false surfaces it at once as TooManyRequestsError (for a
  // loop that would rather move on to another chat).
  bool retry_too_many_requests = true;
};

class BotApi {
 public:
  static constexpr std::size_t kMaxMessageLength = 4096;  // UTF-16 code units
  static constexpr int kMaxRetries = 3;

  BotApi(runtime::RequestScope& scope, bool allow_webhook_reply);

  // Always a subrequest; returns the method's `result`.
  Task<Json> call(std::string method, Json params, CallOptions options = {});
  // May be held for the webhook response; returns nothing.
  Task<void> send(std::string method, Json params);

  // sendMessage; text over 4,096 UTF-16 units is split into several messages
  // (the result is the last one).
  Task<std::optional<telegram::Message>> send_message(std::int64_t chat_id, std::string text,
                                                      SendOptions options = {});
  Task<std::optional<telegram::Message>> edit_message_text(std::int64_t chat_id,
                                                           std::int64_t message_id,
                                                           std::string text,
                                                           EditOptions options = {});
  // A null markup removes the keyboard.
  Task<std::optional<telegram::Message>> edit_message_reply_markup(std::int64_t chat_id,
                                                                   std::int64_t message_id,
                                                                   Json reply_markup = {});
  Task<void> delete_message(std::int64_t chat_id, std::int64_t message_id);
  Task<void> answer_callback_query(std::string callback_query_id, std::string text = {},
                                   AnswerOptions options = {});
  // "typing", "upload_photo", ... (shown for about 5 seconds).
  Task<void> send_chat_action(std::int64_t chat_id, std::string action,
                              std::optional<std::int64_t> message_thread_id = std::nullopt);
  // `photo` / `document`: an HTTP URL Telegram fetches, or a file_id.
  // options.extra may carry "caption".
  Task<std::optional<telegram::Message>> send_photo(std::int64_t chat_id, std::string photo,
                                                    const SendOptions& options = {});
  Task<std::optional<telegram::Message>> send_document(std::int64_t chat_id, std::string document,
                                                       const SendOptions& options = {});

  // The held call, for the webhook response ({"method": ..., params...}).
  std::optional<Json> take_webhook_reply();
  // From now on nothing is held: the webhook has been answered already.
  void stop_webhook_replies() noexcept { allow_webhook_reply_ = false; }
  int subrequest_count() const noexcept { return subrequests_; }
  // Whether answerCallbackQuery was sent (or held) for this query id.
  bool answered(std::string_view callback_query_id) const noexcept {
    return !answered_.empty() && answered_ == callback_query_id;
  }

 private:
  Task<void> flush_held();
  Task<std::optional<telegram::Message>> send_or_call(std::string method, Json params,
                                                      bool no_webhook_reply);
  void note_answer(std::string_view method, const Json& params);

  runtime::RequestScope* scope_;
  bool allow_webhook_reply_;
  bool used_ = false;
  std::optional<Json> held_;
  int subrequests_ = 0;
  std::string answered_;
};

// The parameters of a send: SendOptions applied to `params` (chat_id and the
// content already set). Exposed for modules that build calls themselves.
void apply_send_options(Json& params, const SendOptions& options);

// The error a Bot API answer with ok=false stands for (BotApiError or a
// subclass), built from error_code, description and parameters.
std::exception_ptr classify_bot_api_error(std::string_view method, const Json& response);

}  // namespace miti
