#include "remind/buttons.hpp"

#include <miti/miti.hpp>
#include <optional>
#include <string>

#include "remind/config.hpp"
#include "remind/queries.hpp"
#include "remind/text.hpp"

namespace remind {

namespace {

using miti::Context;
using miti::Task;

// The reminder and the message a press is about.
struct Press {
  std::int64_t id = 0;
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::int64_t presser = 0;
};

std::optional<Press> read_press(Context& ctx) {
  std::optional<std::int64_t> id = miti::parse_id(ctx.payload());
  const miti::telegram::Message* message = ctx.message_or_null();
  if (!id || message == nullptr || !ctx.has_sql()) return std::nullopt;
  return Press{*id, message->chat.id, message->message_id, ctx.sender().id};
}

// The rule of buttons.hpp.
bool may_press(const queries::Pressed& row, std::int64_t presser) {
  return row.user_id == presser || row.user_id < 0;
}

// Why a snooze changed nothing, in the answer to the press.
std::string why_not_snoozed(const std::optional<queries::Pressed>& row, const Press& press) {
  if (!row) return "That reminder is gone.";
  if (!may_press(*row, press.presser))
    return "Only the person who set this reminder can snooze it.";
  if (row->state == "pending" || row->state == "sending") return "Already snoozed";
  return "This is an earlier delivery of that reminder; nothing changed.";
}

Task<void> remove_buttons(Context& ctx) {
  try {
    co_await ctx.edit_keyboard();
  } catch (const miti::BotApiError& error) {
    // The answer went out and the reminder is saved: a keyboard that stays
    // (the message deleted meanwhile, say) only costs a useless button.
    ctx.log().warn("remind: could not remove the buttons", {{"error", error.what()}});
  }
}

}  // namespace

miti::InlineKeyboard delivered_keyboard(const miti::ModuleContext& ctx, std::int64_t id) {
  const std::string payload = std::to_string(id);
  miti::InlineKeyboard keyboard;
  keyboard.button("⏰ Snooze 10 min", ctx.callback_data("snooze", payload))
      .button("✅ Done", ctx.callback_data("done", payload));
  return keyboard;
}

Task<void> snooze_pressed(Context& ctx) {
  std::optional<Press> press = read_press(ctx);
  if (!press) {
    co_await ctx.answer("That button is broken.");
    co_return;
  }
  // Whole seconds, as /remind stores them.
  const std::int64_t until = (ctx.now_ms() + kSnoozeMs + kSecondMs - 1) / kSecondMs * kSecondMs;
  // One conditional UPDATE: the owner check and "still this delivery" are
  // part of it, so a double tap reschedules exactly once.
  miti::SqlRunResult snoozed = co_await ctx.sql().run(
      queries::snooze(press->id, press->chat_id, press->message_id, press->presser, until));
  if (snoozed.changes == 0) {
    std::optional<queries::Pressed> row =
        co_await ctx.sql().first<queries::Pressed>(queries::pressed(press->id, press->chat_id));
    co_await ctx.answer(why_not_snoozed(row, *press));
    co_return;
  }
  co_await ctx.answer("Snoozed until " + utc_hours_minutes(until) + " UTC");
  co_await remove_buttons(ctx);
}

Task<void> done_pressed(Context& ctx) {
  std::optional<Press> press = read_press(ctx);
  if (!press) {
    co_await ctx.answer("That button is broken.");
    co_return;
  }
  std::optional<queries::Pressed> row =
      co_await ctx.sql().first<queries::Pressed>(queries::pressed(press->id, press->chat_id));
  if (!row) {
    co_await ctx.answer("That reminder is gone.");
    co_return;
  }
  if (!may_press(*row, press->presser)) {
    co_await ctx.answer("Only the person who set this reminder can mark it done.");
    co_return;
  }
  co_await ctx.answer("Done");
  co_await remove_buttons(ctx);
}

}  // namespace remind
