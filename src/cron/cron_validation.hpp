// The registry's check of a module's cron schedule, kept here so the registry needs only this
// one call and the cron rules stay in one place.
#pragma once

#include <string_view>

#include "cron/cron_expression.hpp"

namespace miti::cron {

// Throws CronError "module 'm', cron 'c': cron expression '...': <field>: <problem>" when the
// schedule is not a valid Cloudflare cron expression (see cron_expression.hpp).
void validate_schedule(std::string_view module, std::string_view cron_name,
                       std::string_view schedule);

}  // namespace miti::cron
