// The buttons under a delivered reminder: ⏰ Snooze 10 min and ✅ Done.
//
// Only the reminder's owner may press them (the sender of the /remind
// message). When the owner is a chat (an anonymous group admin's reminder, or
// one set in a channel), Telegram does not say which admin it was, so anyone
// who sees the message may press them.
#pragma once

#include <cstdint>
#include <miti/context.hpp>
#include <miti/keyboard.hpp>
#include <miti/task.hpp>

namespace remind {

// The keyboard a delivered reminder carries (callbacks "snooze" and "done",
// the payload is the reminder's id).
miti::InlineKeyboard delivered_keyboard(const miti::ModuleContext& ctx, std::int64_t id);

// ⏰ Snooze: delivered again kSnoozeMs after the press; the buttons of the
// pressed message go away. Once per delivery: a second press, or a press on
// an earlier delivery's message, changes nothing.
miti::Task<void> snooze_pressed(miti::Context& ctx);
// ✅ Done: the buttons go away.
miti::Task<void> done_pressed(miti::Context& ctx);

}  // namespace remind
