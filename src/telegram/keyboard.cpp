#include "miti/keyboard.hpp"

#include "miti/error.hpp"

namespace miti {

CallbackData CallbackData::encode(std::string_view module, std::string_view handler,
                                  std::string_view payload) {
  std::string data;
  data.reserve(module.size() + handler.size() + payload.size() + 2);
  data.append(module).append(":").append(handler).append(":").append(payload);
  if (data.size() > kMaxBytes) {
    throw UsageError("callback_data '" + data + "' is " + std::to_string(data.size()) +
                     " bytes; Telegram allows " + std::to_string(kMaxBytes) +
                     " (the payload may use " +
                     std::to_string(kMaxBytes - (data.size() - payload.size())) + ")");
  }
  return CallbackData(std::move(data));
}

std::optional<DecodedCallback> decode_callback_data(std::string_view data) {
  std::size_t first = data.find(':');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  std::size_t second = data.find(':', first + 1);
  if (second == std::string_view::npos || second == first + 1) return std::nullopt;
  return DecodedCallback{data.substr(0, first), data.substr(first + 1, second - first - 1),
                         data.substr(second + 1)};
}

InlineKeyboard& InlineKeyboard::add(Json button) {
  if (rows_.empty()) rows_.emplace_back(Json::Array());
  rows_.back().push_back(std::move(button));
  return *this;
}

InlineKeyboard& InlineKeyboard::button(std::string text, const CallbackData& data) {
  return add({{"text", std::move(text)}, {"callback_data", data.str()}});
}

InlineKeyboard& InlineKeyboard::url(std::string text, std::string url) {
  return add({{"text", std::move(text)}, {"url", std::move(url)}});
}

InlineKeyboard& InlineKeyboard::row() {
  if (!rows_.empty() && !rows_.back().empty()) rows_.emplace_back(Json::Array());
  return *this;
}

bool InlineKeyboard::empty() const noexcept {
  return button_count() == 0;
}

std::size_t InlineKeyboard::button_count() const noexcept {
  std::size_t count = 0;
  for (const Json& row : rows_) count += row.size();
  return count;
}

Json InlineKeyboard::to_json() const {
  Json::Array rows;
  rows.reserve(rows_.size());
  for (const Json& row : rows_) {
    if (!row.empty()) rows.push_back(row);
  }
  return {{"inline_keyboard", Json(std::move(rows))}};
}

Json force_reply(std::string_view placeholder, bool selective) {
  Json markup = {{"force_reply", true}};
  if (!placeholder.empty()) markup["input_field_placeholder"] = placeholder;
  if (selective) markup["selective"] = true;
  return markup;
}

Json remove_keyboard(bool selective) {
  Json markup = {{"remove_keyboard", true}};
  if (selective) markup["selective"] = true;
  return markup;
}

}  // namespace miti
