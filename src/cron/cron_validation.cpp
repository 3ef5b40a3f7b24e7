#include "cron/cron_validation.hpp"

#include <string>

namespace miti::cron {

void validate_schedule(std::string_view module, std::string_view cron_name,
                       std::string_view schedule) {
  try {
    (void)CronExpression::parse(schedule);
  } catch (const CronError& error) {
    throw CronError("module '" + std::string(module) + "', cron '" + std::string(cron_name) +
                    "': " + error.what());
  }
}

}  // namespace miti::cron
