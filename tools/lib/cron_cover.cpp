#include "lib/cron_cover.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <map>

#include "cron/cron_expression.hpp"
#include "util/civil_date.hpp"

namespace miti::tools {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDayMs = 1440 * kMinuteMs;
constexpr std::size_t kDayWords = (kCycleDays + 63) / 64;

// The five fields of a normalised expression (one space between them).
std::vector<std::string> fields_of(std::string_view expression) {
  std::string normalized = cron::CronExpression::parse(expression).normalized();
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t space = normalized.find(' ', start);
    fields.push_back(normalized.substr(start, space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return fields;
}

bool bit(const std::vector<std::uint64_t>& words, std::size_t i) {
  return (words[i / 64] >> (i % 64)) & 1u;
}

std::int64_t minute_ms(std::size_t day, int hour, int minute) {
  return (kCycleFirstDay + static_cast<std::int64_t>(day)) * kDayMs +
         std::int64_t{hour} * 60 * kMinuteMs + std::int64_t{minute} * kMinuteMs;
}

std::bitset<1440> minutes_of_day(const FireSet& set) {
  std::bitset<1440> out;
  for (int h = 0; h < 24; ++h)
    if ((set.hours >> h) & 1u)
      for (int m = 0; m < 60; ++m)
        if ((set.minutes >> m) & 1u)
          out.set((static_cast<std::size_t>(h) * 60) + static_cast<std::size_t>(m));
  return out;
}

// The values of a plain normalised field ("*", "*/s", "a-b/s", "a/s", lists of "a" and "a-b");
// std::nullopt for the day fields' special forms (L, W, #).
std::optional<std::vector<int>> plain_values(std::string_view field, int min, int max) {
  std::vector<int> values;
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    std::string_view item = field.substr(start, comma - start);
    int step = 1;
    const bool stepped = item.find('/') != std::string_view::npos;
    if (stepped) {
      step = std::stoi(std::string(item.substr(item.find('/') + 1)));
      item = item.substr(0, item.find('/'));
    }
    int first = min;
    int last = max;
    if (item != "*") {
      if (item.empty() || item.find_first_not_of("0123456789-") != std::string_view::npos)
        return std::nullopt;
      auto dash = item.find('-');
      first = std::stoi(std::string(item.substr(0, dash)));
      last = dash != std::string_view::npos ? std::stoi(std::string(item.substr(dash + 1)))
             : stepped                      ? max  // "a/s" runs to the field's maximum
                                            : first;
    }
    for (int v = first; v <= last; v += step) values.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::string list_of(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

// The union of a plain field over all schedules, as a list ("*" when one of them is "*").
std::optional<std::string> field_union(const std::vector<std::vector<std::string>>& all,
                                       std::size_t index, int min, int max) {
  std::vector<int> values;
  for (const auto& fields : all) {
    if (fields[index] == "*") return "*";
    auto these = plain_values(fields[index], min, max);
    if (!these) return std::nullopt;
    values.insert(values.end(), these->begin(), these->end());
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return list_of(values);
}

}  // namespace

FireSet FireSet::of(std::string_view expression) {
  std::vector<std::string> f = fields_of(expression);
  FireSet set;
  // Each factor through the runtime's own matcher, with the other fields left open.
  auto minutes = cron::CronExpression::parse(f[0] + " * * * *");
  for (int m = 0; m < 60; ++m)
    if (minutes.matches_epoch_ms(m * kMinuteMs)) set.minutes |= std::uint64_t{1} << m;
  auto hours = cron::CronExpression::parse("0 " + f[1] + " * * *");
  for (int h = 0; h < 24; ++h)
    if (hours.matches_epoch_ms(std::int64_t{h} * 60 * kMinuteMs))
      set.hours |= std::uint32_t{1} << h;
  // The day factor takes 146,097 matches; schedules often share their day fields ("* * *").
  static std::map<std::string, std::vector<std::uint64_t>> day_cache;
  const std::string day_fields = f[2] + " " + f[3] + " " + f[4];
  auto cached = day_cache.find(day_fields);
  if (cached == day_cache.end()) {
    auto days = cron::CronExpression::parse("0 0 " + day_fields);
    std::vector<std::uint64_t> bits(kDayWords, 0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(kCycleDays); ++i)
      if (days.matches_epoch_ms(minute_ms(i, 0, 0))) bits[i / 64] |= std::uint64_t{1} << (i % 64);
    cached = day_cache.emplace(day_fields, std::move(bits)).first;
  }
  set.days = cached->second;
  return set;
}

std::optional<std::int64_t> first_common_minute(const std::vector<const FireSet*>& sets) {
  if (sets.empty()) return std::nullopt;
  std::uint64_t minutes = ~std::uint64_t{0};
  std::uint32_t hours = ~std::uint32_t{0};
  for (const FireSet* set : sets) {
    minutes &= set->minutes;
    hours &= set->hours;
  }
  if (minutes == 0 || hours == 0) return std::nullopt;
  for (std::size_t w = 0; w < kDayWords; ++w) {
    std::uint64_t word = ~std::uint64_t{0};
    for (const FireSet* set : sets) word &= set->days[w];
    if (word != 0) {
      return minute_ms(w * 64 + static_cast<std::size_t>(std::countr_zero(word)),
                       std::countr_zero(hours), std::countr_zero(minutes));
    }
  }
  return std::nullopt;
}

TriggerCoverage::TriggerCoverage(const std::vector<FireSet>& triggers) {
  std::vector<std::bitset<1440>> trigger_minutes;
  trigger_minutes.reserve(triggers.size());
  for (const FireSet& trigger : triggers) trigger_minutes.push_back(minutes_of_day(trigger));
  // A day's class is the set of triggers that fire on it, as bit words.
  std::map<std::vector<std::uint64_t>, std::uint32_t> ids;
  day_class_.resize(static_cast<std::size_t>(kCycleDays));
  std::vector<std::uint64_t> firing((triggers.size() + 63) / 64);
  std::vector<std::uint64_t> previous;
  std::uint32_t id = 0;
  for (std::size_t day = 0; day < day_class_.size(); ++day) {
    std::fill(firing.begin(), firing.end(), 0);
    for (std::size_t t = 0; t < triggers.size(); ++t)
      if (bit(triggers[t].days, day)) firing[t / 64] |= std::uint64_t{1} << (t % 64);
    if (day == 0 || firing != previous) {  // most days fire the same triggers as the day before
      auto [it, fresh] = ids.emplace(firing, static_cast<std::uint32_t>(classes_.size()));
      if (fresh) {
        std::bitset<1440> minutes;
        for (std::size_t t = 0; t < triggers.size(); ++t)
          if ((firing[t / 64] >> (t % 64)) & 1u) minutes |= trigger_minutes[t];
        classes_.push_back(minutes);
      }
      id = it->second;
      previous = firing;
    }
    day_class_[day] = id;
  }
}

std::optional<std::int64_t> TriggerCoverage::first_uncovered(const FireSet& schedule) const {
  const std::bitset<1440> wanted = minutes_of_day(schedule);
  constexpr int kUnknown = -2;
  constexpr int kCovered = -1;
  std::vector<int> missed(classes_.size(), kUnknown);  // per class: the first minute missed
  for (std::size_t day = 0; day < day_class_.size(); ++day) {
    if (!bit(schedule.days, day)) continue;
    int& first = missed[day_class_[day]];
    if (first == kUnknown) {
      std::bitset<1440> left = wanted & ~classes_[day_class_[day]];
      first = kCovered;
      for (std::size_t m = 0; m < left.size(); ++m) {
        if (left.test(m)) {
          first = static_cast<int>(m);
          break;
        }
      }
    }
    if (first >= 0) return minute_ms(day, first / 60, first % 60);
  }
  return std::nullopt;
}

std::string covering_trigger(const std::vector<std::string>& schedules) {
  std::vector<std::vector<std::string>> all;
  all.reserve(schedules.size());
  for (const std::string& schedule : schedules) all.push_back(fields_of(schedule));
  const std::string minutes = *field_union(all, 0, 0, 59);
  const std::string hours = *field_union(all, 1, 0, 23);
  const std::string months = *field_union(all, 3, 1, 12);
  // Days: with the same day-of-month and day-of-week everywhere, they select the same days of
  // every month, so the union only widens the months. With one of the two open everywhere, the
  // other one's values can be merged. Otherwise: every day of those months.
  bool same_days = std::all_of(all.begin(), all.end(), [&](const auto& f) {
    return f[2] == all.front()[2] && f[4] == all.front()[4];
  });
  bool weekday_open =
      std::all_of(all.begin(), all.end(), [](const auto& f) { return f[4] == "*"; });
  bool day_open = std::all_of(all.begin(), all.end(), [](const auto& f) { return f[2] == "*"; });
  std::string day = "*";
  std::string weekday = "*";
  if (same_days) {
    day = all.front()[2];
    weekday = all.front()[4];
  } else if (weekday_open) {
    day = field_union(all, 2, 1, 31).value_or("*");
  } else if (day_open) {
    weekday = field_union(all, 4, 1, 7).value_or("*");
  }
  std::string cover =
      cron::CronExpression::parse(minutes + " " + hours + " " + day + " " + months + " " + weekday)
          .normalized();
  // The construction above covers by design; prove it rather than trust it.
  std::vector<FireSet> trigger = {FireSet::of(cover)};
  TriggerCoverage coverage(trigger);
  for (const std::string& schedule : schedules)
    if (coverage.first_uncovered(FireSet::of(schedule))) return "* * * * *";
  return cover;
}

std::string describe_minute(std::int64_t epoch_ms) {
  const std::int64_t minutes = util::floor_div(epoch_ms, kMinuteMs);
  const std::int64_t days = util::floor_div(minutes, 1440);
  const util::CivilDate date = util::civil_from_days(days);
  const auto minute_of_day = static_cast<int>(minutes - days * 1440);
  std::array<char, 40> text{};
  std::snprintf(text.data(), text.size(), "%04lld-%02d-%02d %02d:%02d UTC",
                static_cast<long long>(date.year), date.month, date.day, minute_of_day / 60,
                minute_of_day % 60);
  return text.data();
}

}  // namespace miti::tools
