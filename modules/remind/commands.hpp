// remind's commands: /remind, /reminders, /unremind.
#pragma once

#include <miti/context.hpp>
#include <miti/task.hpp>

namespace remind {

miti::Task<void> remind_command(miti::CommandContext& ctx);
miti::Task<void> reminders_command(miti::CommandContext& ctx);
miti::Task<void> unremind_command(miti::CommandContext& ctx);

}  // namespace remind
