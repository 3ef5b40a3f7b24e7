#include "miti/bot_api.hpp"

#include "miti/error.hpp"
#include "runtime/request_scope.hpp"
#include "telegram/message_splitter.hpp"
#include "util/json_access.hpp"

namespace miti {

BotApi::BotApi(runtime::RequestScope& scope, bool allow_webhook_reply)
    : scope_(&scope), allow_webhook_reply_(allow_webhook_reply) {}

namespace {
// One Bot API method through the host; ok=false becomes a BotApiError.
Task<Json> perform(runtime::RequestScope& scope, std::string method, Json params) {
  Json op = {{"op", "telegram"}, {"method", method}, {"params", std::move(params)}};
  Json response = co_await runtime::host_call(scope, op);
  if (!util::bool_or(response, "ok", false)) {
    throw BotApiError(method, static_cast<int>(util::int_or(response, "error_code", 0)),
                      util::string_or(response, "description", "no description"));
  }
  const Json* result = response.find("result");
  co_return result != nullptr ? *result : Json();
}
}  // namespace

Task<Json> BotApi::call(std::string method, Json params) {
  co_await flush_held();
  used_ = true;
  ++subrequests_;
  co_return co_await perform(*scope_, std::move(method), std::move(params));
}

Task<void> BotApi::send(std::string method, Json params) {
  if (allow_webhook_reply_ && !used_) {
    used_ = true;
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
  co_await perform(*scope_, std::move(method), std::move(held));
}

std::optional<Json> BotApi::take_webhook_reply() {
  std::optional<Json> reply = std::move(held_);
  held_.reset();
  return reply;
}

Task<void> BotApi::send_message(std::int64_t chat_id, std::string text, SendOptions options) {
  if (text.empty()) throw UsageError("message text must not be empty");
  std::vector<std::string> pieces = telegram::split_message(text, kMaxMessageLength);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    Json params = options.extra.is_object() ? options.extra : Json::object();
    params["chat_id"] = chat_id;
    params["text"] = std::move(pieces[i]);
    if (options.parse_mode) params["parse_mode"] = *options.parse_mode;
    if (options.message_thread_id) params["message_thread_id"] = *options.message_thread_id;
    if (options.disable_notification)
      params["disable_notification"] = *options.disable_notification;
    if (options.disable_link_preview) {
      params["link_preview_options"] = {{"is_disabled", *options.disable_link_preview}};
    }
    // Only the first piece answers the original message.
    if (options.reply_to_message_id && i == 0) {
      params["reply_parameters"] = {{"message_id", *options.reply_to_message_id},
                                    {"allow_sending_without_reply", true}};
    }
    co_await send("sendMessage", std::move(params));
  }
}

}  // namespace miti
