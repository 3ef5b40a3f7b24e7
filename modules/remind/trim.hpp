// The `trim` cron (daily): deletes reminders finished more than 30 days ago.
#pragma once

#include <miti/module.hpp>

namespace remind {

miti::Task<void> trim_old(const miti::CronEvent& event, miti::ModuleContext& ctx);

}  // namespace remind
