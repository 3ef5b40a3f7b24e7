// Set questions about cron schedules, answered exactly: does a set of triggers fire at every
// minute a schedule fires at, do two triggers fire at a common minute, which one trigger fires
// whenever any of several schedules does. They serve MITI_CRON_DISPATCH = "time", where fewer
// cron triggers than schedules wake the Worker and each wake-up runs the module crons due at its
// scheduledTime (src/dispatch/cron_dispatch.cpp, crons_due_at).
//
// A cron expression fires at minute m of hour h on day d exactly when m, h and d each match
// their own fields (the day taking day-of-month, month and day-of-week together), so the minutes
// it selects are a product minutes x hours x days and every question splits per factor. Days are
// taken over one whole Gregorian cycle: 400 years are 146,097 days, a whole number of weeks,
// after which every date, weekday and month length repeats, so an answer over the cycle holds
// for all time. Nothing here is a heuristic or a sample.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace miti::tools {

// The minutes one expression fires at, as its three factors.
struct FireSet {
  std::uint64_t minutes = 0;        // bit m: minute m of the hour
  std::uint32_t hours = 0;          // bit h: hour h of the day
  std::vector<std::uint64_t> days;  // bit i: day kCycleFirstDay + i of the cycle

  // Throws cron::CronError when `expression` is not a valid cron expression.
  static FireSet of(std::string_view expression);
};

// The cycle the day factor covers: 2026-01-01 (days since 1970-01-01) and 400 years on.
inline constexpr std::int64_t kCycleFirstDay = 20454;
inline constexpr std::int64_t kCycleDays = 146097;

// The first minute (epoch milliseconds, within the cycle) at which all of `sets` fire, if any.
std::optional<std::int64_t> first_common_minute(const std::vector<const FireSet*>& sets);

// Which minutes a set of triggers fires at, for asking whether schedules are covered.
class TriggerCoverage {
 public:
  explicit TriggerCoverage(const std::vector<FireSet>& triggers);

  // The first minute (epoch milliseconds, within the cycle) at which `schedule` fires and none
  // of the triggers does; std::nullopt when the triggers fire at least whenever it does.
  std::optional<std::int64_t> first_uncovered(const FireSet& schedule) const;

 private:
  // Days on which the same triggers fire share a class: per day of the cycle, its class; per
  // class, the minutes of the day (0-1439) at which one of its triggers fires.
  std::vector<std::uint32_t> day_class_;
  std::vector<std::bitset<1440>> classes_;
};

// One expression (normalised text) that fires at least whenever any of `schedules` does: the
// union of their minutes, of their hours, and of their days where the day fields allow it,
// otherwise every day of the months they use. Requires at least one valid schedule.
std::string covering_trigger(const std::vector<std::string>& schedules);

// "2026-01-01 03:00 UTC", for messages.
std::string describe_minute(std::int64_t epoch_ms);

}  // namespace miti::tools
