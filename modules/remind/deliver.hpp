// The `deliver` cron (every minute): sends due reminders. See README.md for
// the claim protocol and what a run dying half-way can and cannot do.
#pragma once

#include <miti/module.hpp>

namespace remind {

miti::Task<void> deliver(const miti::CronEvent& event, miti::ModuleContext& ctx);

}  // namespace remind
