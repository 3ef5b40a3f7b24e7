// Reply markup for Telegram messages: inline keyboards (buttons under a
// message) built by chaining, plus force-reply and keyboard removal.
//
//   miti::InlineKeyboard keyboard;
//   keyboard.button("🗑 #12", ctx.callback_data("delete", "12"))
//       .button("keep", ctx.callback_data("keep", "12"))
//       .row()
//       .url("help", "https://example.org/help");
//   co_await ctx.reply("note #12", {.reply_markup = keyboard});
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "miti/json.hpp"

namespace miti {

// The callback_data of a button: "<module>:<handler>:<payload>", at most 64
// bytes (Telegram's limit). Made by ModuleContext::callback_data, which
// checks the handler and the length, so a button can never silently break.
class CallbackData {
 public:
  static constexpr std::size_t kMaxBytes = 64;

  // Throws UsageError when the result would exceed 64 bytes.
  static CallbackData encode(std::string_view module, std::string_view handler,
                             std::string_view payload);

  const std::string& str() const noexcept { return data_; }

 private:
  explicit CallbackData(std::string data) : data_(std::move(data)) {}
  std::string data_;
};

// The parts of callback_data made by CallbackData::encode; std::nullopt for
// data of any other shape (forged, or from another bot's buttons).
struct DecodedCallback {
  std::string_view module;
  std::string_view handler;
  std::string_view payload;
};
std::optional<DecodedCallback> decode_callback_data(std::string_view data);

class InlineKeyboard {
 public:
  // A button that sends a callback query to this bot.
  InlineKeyboard& button(std::string text, const CallbackData& data);
  // A button that opens a link.
  InlineKeyboard& url(std::string text, std::string url);
  // Starts a new row (no effect on an empty row).
  InlineKeyboard& row();

  bool empty() const noexcept;
  std::size_t button_count() const noexcept;
  // {"inline_keyboard": [[{"text": ..., "callback_data": ...}, ...], ...]}
  Json to_json() const;

 private:
  InlineKeyboard& add(Json button);
  Json::Array rows_;
};

// Shows the user's reply interface, as if they had tapped "reply" on the
// message: in groups where the bot has privacy mode on, this is how it gets
// to see the answer. `selective`: only for users mentioned in the text, or
// the sender of the message replied to.
Json force_reply(std::string_view placeholder = {}, bool selective = true);
// Removes a custom reply keyboard.
Json remove_keyboard(bool selective = false);

namespace detail {
template <>
struct JsonConvert<InlineKeyboard> {
  static Json to_json(const InlineKeyboard& keyboard) { return keyboard.to_json(); }
};
}  // namespace detail

}  // namespace miti
