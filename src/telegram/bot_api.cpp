#include "miti/bot_api.hpp"

#include <algorithm>

#include "miti/error.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"
#include "telegram/message_splitter.hpp"
#include "util/json_access.hpp"

namespace miti {

namespace {

// A retry is worth it only when the wait leaves this much of the request.
constexpr std::int64_t kRetryMarginMs = 2'000;

// Telegram's answer: its `result`, or the error it stands for, thrown.
Json decode_answer(HostAnswer answer) {
  std::optional<Json> response = Json::try_parse(answer.payload);
  if (!response) throw HostError("the host answered with invalid JSON");
  if (!util::bool_or(*response, "ok", false)) {
    std::rethrow_exception(classify_bot_api_error(answer.detail, *response));
  }
  Json* result = response->find("result");
  return result != nullptr ? std::move(*result) : Json();
}

// One Bot API method through the host.
HostTask<Json> perform(runtime::RequestScope& scope, const std::string& method,
                       const Json& params) {
  std::string op = R"({"op":"telegram","method":)";
  Json(method).dump_to(op);
  op += R"(,"params":)";
  params.dump_to(op);
  op += '}';
  return HostTask<Json>(scope, std::move(op), &decode_answer, nullptr, method);
}

}  // namespace

std::exception_ptr classify_bot_api_error(std::string_view method_view, const Json& response) {
  std::string method(method_view);
  const auto code = static_cast<int>(util::int_or(response, "error_code", 0));
  std::string description = util::string_or(response, "description", "no description");
  const Json& parameters = response["parameters"];
  if (auto retry_after = util::integer(parameters, "retry_after"); code == 429) {
    return std::make_exception_ptr(TooManyRequestsError(
        method, description,
        static_cast<int>(std::clamp<std::int64_t>(retry_after.value_or(1), 0, 86'400))));
  }
  if (auto new_chat = util::integer(parameters, "migrate_to_chat_id")) {
    return std::make_exception_ptr(ChatMigratedError(method, description, *new_chat));
  }
  if (code == 403) return std::make_exception_ptr(ForbiddenError(method, description));
  return std::make_exception_ptr(BotApiError(method, code, description));
}

void apply_send_options(Json& params, const SendOptions& options) {
  if (options.parse_mode) params["parse_mode"] = *options.parse_mode;
  if (options.message_thread_id) params["message_thread_id"] = *options.message_thread_id;
  if (options.disable_notification) params["disable_notification"] = *options.disable_notification;
  if (options.protect_content) params["protect_content"] = *options.protect_content;
  if (options.disable_link_preview) {
    params["link_preview_options"] = {{"is_disabled", *options.disable_link_preview}};
  }
  if (options.reply_to_message_id) {
    // Answers the message, or stands alone if it was deleted meanwhile.
    params["reply_parameters"] = {{"message_id", *options.reply_to_message_id},
                                  {"allow_sending_without_reply", true}};
  }
  if (!options.reply_markup.is_null()) params["reply_markup"] = options.reply_markup;
  for (const auto& [key, value] : options.extra.items()) {
    if (!params.contains(key)) params[key] = value;
  }
}

BotApi::BotApi(runtime::RequestScope& scope, bool allow_webhook_reply)
    : scope_(&scope), allow_webhook_reply_(allow_webhook_reply) {}

void BotApi::note_answer(std::string_view method, const Json& params) {
  if (method == "answerCallbackQuery") answered_ = util::string_or(params, "callback_query_id", "");
}

Task<Json> BotApi::call(std::string method, Json params, CallOptions options) {
  co_await flush_held();
  used_ = true;
  note_answer(method, params);
  for (int attempt = 0;; ++attempt) {
    ++subrequests_;
    std::optional<TooManyRequestsError> limited;
    try {
      co_return co_await perform(*scope_, method, params);
    } catch (const TooManyRequestsError& error) {
      limited = error;
    }
    const std::int64_t wait_ms = std::int64_t{limited->retry_after()} * 1000;
    const bool fits = scope_->runtime.now_ms() + wait_ms + kRetryMarginMs <= scope_->deadline_ms;
    if (!options.retry_too_many_requests || attempt >= kMaxRetries || !fits) throw *limited;
    scope_->log.info("Bot API 429: retrying after retry_after",
                     {{"method", method}, {"retry_after", limited->retry_after()}});
    co_await runtime::host_sleep(*scope_, wait_ms);
  }
}

Task<void> BotApi::send(std::string method, Json params) {
  if (allow_webhook_reply_ && !used_) {
    used_ = true;
    note_answer(method, params);
    // {"method": ..., params...}: the shape Telegram reads in a webhook answer.
    Json reply = {{"method", std::move(method)}};
    for (Json::Member& member : params.as_object()) reply.as_object().push_back(std::move(member));
    held_ = std::move(reply);
    co_return;
  }
  co_await call(std::move(method), std::move(params));
}

Task<void> BotApi::flush_held() {
  if (!held_) co_return;
  Json held = std::move(*held_);
  held_.reset();
  std::string method = held.at("method").as_string();
  held.erase("method");
  ++subrequests_;
  co_await perform(*scope_, method, held);
}

std::optional<Json> BotApi::take_webhook_reply() {
  std::optional<Json> reply = std::move(held_);
  held_.reset();
  return reply;
}

Task<std::optional<telegram::Message>> BotApi::send_or_call(std::string method, Json params,
                                                            bool no_webhook_reply) {
  if (!no_webhook_reply && allow_webhook_reply_ && !used_) {
    co_await send(std::move(method), std::move(params));
    co_return std::nullopt;
  }
  Json result = co_await call(std::move(method), std::move(params));
  co_return telegram::parse_message(result);
}

Task<std::optional<telegram::Message>> BotApi::send_message(std::int64_t chat_id, std::string text,
                                                            SendOptions options) {
  if (text.empty()) throw UsageError("message text must not be empty");
  std::vector<std::string> pieces = telegram::split_message(text, kMaxMessageLength);
  std::optional<telegram::Message> last;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    Json params = {{"chat_id", chat_id}, {"text", std::move(pieces[i])}};
    SendOptions piece_options = options;
    // Only the first piece answers the original message; only the last
    // carries the keyboard.
    if (i > 0) piece_options.reply_to_message_id.reset();
    if (i + 1 < pieces.size()) piece_options.reply_markup = Json();
    apply_send_options(params, piece_options);
    last = co_await send_or_call("sendMessage", std::move(params), options.no_webhook_reply);
  }
  co_return last;
}

Task<std::optional<telegram::Message>> BotApi::edit_message_text(std::int64_t chat_id,
                                                                 std::int64_t message_id,
                                                                 std::string text,
                                                                 EditOptions options) {
  if (text.empty()) throw UsageError("message text must not be empty");
  Json params = {{"chat_id", chat_id}, {"message_id", message_id}, {"text", std::move(text)}};
  if (options.parse_mode) params["parse_mode"] = *options.parse_mode;
  if (options.disable_link_preview) {
    params["link_preview_options"] = {{"is_disabled", *options.disable_link_preview}};
  }
  if (!options.reply_markup.is_null()) params["reply_markup"] = options.reply_markup;
  for (const auto& [key, value] : options.extra.items()) {
    if (!params.contains(key)) params[key] = value;
  }
  return send_or_call("editMessageText", std::move(params), options.no_webhook_reply);
}

Task<std::optional<telegram::Message>> BotApi::edit_message_reply_markup(std::int64_t chat_id,
                                                                         std::int64_t message_id,
                                                                         Json reply_markup) {
  Json params = {{"chat_id", chat_id}, {"message_id", message_id}};
  // An empty keyboard removes the buttons.
  params["reply_markup"] =
      reply_markup.is_null() ? Json{{"inline_keyboard", Json::array()}} : std::move(reply_markup);
  return send_or_call("editMessageReplyMarkup", std::move(params), false);
}

Task<void> BotApi::delete_message(std::int64_t chat_id, std::int64_t message_id) {
  return send("deleteMessage", {{"chat_id", chat_id}, {"message_id", message_id}});
}

Task<void> BotApi::answer_callback_query(std::string callback_query_id, std::string text,
                                         AnswerOptions options) {
  Json params = {{"callback_query_id", std::move(callback_query_id)}};
  if (!text.empty()) params["text"] = std::move(text);
  if (options.show_alert) params["show_alert"] = true;
  if (options.url) params["url"] = *options.url;
  if (options.cache_time) params["cache_time"] = *options.cache_time;
  return send("answerCallbackQuery", std::move(params));
}

Task<void> BotApi::send_chat_action(std::int64_t chat_id, std::string action,
                                    std::optional<std::int64_t> message_thread_id) {
  Json params = {{"chat_id", chat_id}, {"action", std::move(action)}};
  if (message_thread_id) params["message_thread_id"] = *message_thread_id;
  return send("sendChatAction", std::move(params));
}

Task<std::optional<telegram::Message>> BotApi::send_photo(std::int64_t chat_id, std::string photo,
                                                          const SendOptions& options) {
  Json params = {{"chat_id", chat_id}, {"photo", std::move(photo)}};
  apply_send_options(params, options);
  return send_or_call("sendPhoto", std::move(params), options.no_webhook_reply);
}

Task<std::optional<telegram::Message>> BotApi::send_document(std::int64_t chat_id,
                                                             std::string document,
                                                             const SendOptions& options) {
  Json params = {{"chat_id", chat_id}, {"document", std::move(document)}};
  apply_send_options(params, options);
  return send_or_call("sendDocument", std::move(params), options.no_webhook_reply);
}

}  // namespace miti
