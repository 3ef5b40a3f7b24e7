// remind: /remind <when> <text>, delivered by a cron. See README.md.
#include <miti/miti.hpp>

#include "remind/buttons.hpp"
#include "remind/commands.hpp"
#include "remind/deliver.hpp"
#include "remind/trim.hpp"

MITI_MODULE(remind) {
  using miti::Visibility;
  return {
      .commands =
          {
              {"remind", Visibility::kPublic, "Remind me later: /remind 1h30m stretch",
               remind::remind_command},
              {"reminders", Visibility::kPublic, "My pending reminders in this chat",
               remind::reminders_command},
              {"unremind", Visibility::kPublic, "Delete one of my reminders: /unremind <id>",
               remind::unremind_command},
          },
      // Under delivered reminders; recorded (not read_only): each press runs once.
      .callbacks =
          {
              {"snooze", remind::snooze_pressed},
              {"done", remind::done_pressed},
          },
      .crons =
          {
              {"deliver", "* * * * *", remind::deliver},
              {"trim", "0 3 * * *", remind::trim_old},
          },
  };
}
