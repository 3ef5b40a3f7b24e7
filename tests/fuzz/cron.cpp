// Cron expressions (src/cron): parse, normalize, matches_epoch_ms.
//
// Input: the expression text. Properties:
// * parse either succeeds or throws CronError naming the expression; normalize() agrees.
// * normalized() is five single-space-separated fields in the canonical alphabet, parses again
//   to itself (a fixed point) and to an equal expression.
// * Matching agrees with an independent reading of the normalised text evaluated with libc's
//   calendar (timegm/gmtime_r), at probe times derived from the input: any time a JavaScript
//   Date can hold and, more often, likely matches near month ends in 1600-2400; a match depends
//   on the minute only; far-out times (int64 extremes) just return.
// * With day-of-week unrestricted, an accepted schedule fires within 2024-2031 (the parser
//   refuses days no chosen month has).
#include <array>
#include <cmath>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cron/cron_expression.hpp"
#include "fuzz_support.hpp"

namespace {

using miti::cron::CronError;
using miti::cron::CronExpression;
using miti_fuzz::Rng;

// --- an independent reading of the normalised text --------------------------------------------

bool parse_int(std::string_view text, int& out) {
  if (text.empty() || text.size() > 2) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t at = 0;
  while (true) {
    std::size_t next = text.find(separator, at);
    parts.push_back(text.substr(at, next - at));
    if (next == std::string_view::npos) return parts;
    at = next + 1;
  }
}

// A normalised set field: "*", "*/s", "a-b/s" or a comma list of "a" and "a-b", ascending.
std::optional<std::vector<bool>> read_set(std::string_view text, int min, int max) {
  std::vector<bool> set(static_cast<std::size_t>(max) + 1, false);
  auto fill = [&](int first, int last, int step) {
    for (int v = first; v <= last; v += step) set[static_cast<std::size_t>(v)] = true;
  };
  if (text == "*") {
    fill(min, max, 1);
    return set;
  }
  if (text.starts_with("*/")) {
    int step = 0;
    if (!parse_int(text.substr(2), step) || step < 2 || step > max - min) return std::nullopt;
    fill(min, max, step);
    return set;
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto dash = text.find('-');
    int first = 0;
    int last = 0;
    int step = 0;
    if (dash == std::string_view::npos || dash > slash || !parse_int(text.substr(0, dash), first) ||
        !parse_int(text.substr(dash + 1, slash - dash - 1), last) ||
        !parse_int(text.substr(slash + 1), step) || first < min || last > max || first >= last ||
        step < 2 || (last - first) % step != 0) {
      return std::nullopt;
    }
    fill(first, last, step);
    return set;
  }
  int previous = min - 1;
  for (std::string_view item : split(text, ',')) {
    int first = 0;
    int last = 0;
    auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!parse_int(item, first)) return std::nullopt;
      last = first;
    } else if (!parse_int(item.substr(0, dash), first) || !parse_int(item.substr(dash + 1), last) ||
               last - first < 2) {
      return std::nullopt;  // canonical ranges span at least three values
    }
    // Ascending and disjoint (two adjacent values stay a list: "4,5").
    if (first < min || last > max || first <= previous) return std::nullopt;
    fill(first, last, 1);
    previous = last;
  }
  return set;
}

struct Spec {
  std::vector<bool> minutes, hours, months;
  enum class Day { kAny, kSet, kLast, kLastWeekday, kNearestWeekday } day = Day::kAny;
  std::vector<bool> days;
  int day_value = 0;
  enum class Weekday { kAny, kSet, kLast, kNth } weekday = Weekday::kAny;
  std::vector<bool> weekdays;  // 1 = Sunday ... 7 = Saturday
  int weekday_value = 0;       // 1-7
  int nth = 0;
};

std::optional<Spec> read_spec(std::string_view normalized) {
  std::vector<std::string_view> fields = split(normalized, ' ');
  if (fields.size() != 5) return std::nullopt;
  Spec spec;
  auto minutes = read_set(fields[0], 0, 59);
  auto hours = read_set(fields[1], 0, 23);
  auto months = read_set(fields[3], 1, 12);
  if (!minutes || !hours || !months) return std::nullopt;
  spec.minutes = *minutes;
  spec.hours = *hours;
  spec.months = *months;

  std::string_view dom = fields[2];
  if (dom == "*") {
    spec.day = Spec::Day::kAny;
  } else if (dom.starts_with('L')) {
    std::string_view rest = dom.substr(1);
    bool weekday = rest.ends_with('W');
    if (weekday) rest.remove_suffix(1);
    spec.day = weekday ? Spec::Day::kLastWeekday : Spec::Day::kLast;
    if (!rest.empty()) {
      if (!rest.starts_with('-') || !parse_int(rest.substr(1), spec.day_value) ||
          spec.day_value < 1 || spec.day_value > 30) {
        return std::nullopt;
      }
    }
  } else if (dom.ends_with('W')) {
    spec.day = Spec::Day::kNearestWeekday;
    if (!parse_int(dom.substr(0, dom.size() - 1), spec.day_value) || spec.day_value < 1 ||
        spec.day_value > 31) {
      return std::nullopt;
    }
  } else {
    auto days = read_set(dom, 1, 31);
    if (!days || dom == "*") return std::nullopt;
    spec.day = Spec::Day::kSet;
    spec.days = *days;
  }

  std::string_view dow = fields[4];
  if (dow == "*") {
    spec.weekday = Spec::Weekday::kAny;
  } else if (dow.size() == 2 && dow[1] == 'L') {
    spec.weekday = Spec::Weekday::kLast;
    if (!parse_int(dow.substr(0, 1), spec.weekday_value)) return std::nullopt;
  } else if (dow.size() == 3 && dow[1] == '#') {
    spec.weekday = Spec::Weekday::kNth;
    if (!parse_int(dow.substr(0, 1), spec.weekday_value) ||
        !parse_int(dow.substr(2, 1), spec.nth) || spec.nth < 1 || spec.nth > 5) {
      return std::nullopt;
    }
  } else {
    auto weekdays = read_set(dow, 1, 7);
    if (!weekdays) return std::nullopt;
    spec.weekday = Spec::Weekday::kSet;
    spec.weekdays = *weekdays;
  }
  if ((spec.weekday == Spec::Weekday::kLast || spec.weekday == Spec::Weekday::kNth) &&
      (spec.weekday_value < 1 || spec.weekday_value > 7)) {
    return std::nullopt;
  }
  return spec;
}

// --- libc's calendar ---------------------------------------------------------------------------

int days_in_month(std::int64_t year, int month) {  // month 1-12
  std::tm tm{};
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = month;  // day 0 of the next month: the last day of this one
  tm.tm_mday = 0;
  std::time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  return out.tm_mday;
}

// The weekday (Mon-Fri) of the month closest to `target`; the day of the week of day d is
// (wday_of_target + d - target) mod 7.
int nearest_weekday(int target, int target_wday, int length) {
  int best = 0;
  for (int d = 1; d <= length; ++d) {
    int wday = ((target_wday + d - target) % 7 + 7) % 7;
    if (wday == 0 || wday == 6) continue;
    if (best == 0 || std::abs(d - target) < std::abs(best - target)) best = d;
  }
  return best;
}

bool expected_match(const Spec& spec, const std::tm& tm) {
  const int day = tm.tm_mday;
  const int month = tm.tm_mon + 1;
  const int length = days_in_month(std::int64_t{tm.tm_year} + 1900, month);
  if (!spec.minutes[static_cast<std::size_t>(tm.tm_min)] ||
      !spec.hours[static_cast<std::size_t>(tm.tm_hour)] ||
      !spec.months[static_cast<std::size_t>(month)]) {
    return false;
  }
  auto wday_of = [&](int d) { return ((tm.tm_wday + d - day) % 7 + 7) % 7; };
  bool by_day = true;
  switch (spec.day) {
    case Spec::Day::kAny:
      break;
    case Spec::Day::kSet:
      by_day = spec.days[static_cast<std::size_t>(day)];
      break;
    case Spec::Day::kLast:
      by_day = day == length - spec.day_value;
      break;
    case Spec::Day::kLastWeekday:
    case Spec::Day::kNearestWeekday: {
      int target = spec.day == Spec::Day::kLastWeekday ? length - spec.day_value : spec.day_value;
      by_day = target >= 1 && target <= length &&
               day == nearest_weekday(target, wday_of(target), length);
      break;
    }
  }
  bool by_weekday = true;
  switch (spec.weekday) {
    case Spec::Weekday::kAny:
      break;
    case Spec::Weekday::kSet:
      by_weekday = spec.weekdays[static_cast<std::size_t>(tm.tm_wday + 1)];
      break;
    case Spec::Weekday::kLast:  // no later day of the month has the same weekday
      by_weekday = tm.tm_wday + 1 == spec.weekday_value && day + 7 > length;
      break;
    case Spec::Weekday::kNth: {
      int occurrence = 0;  // how many days 1..day share this weekday
      for (int d = day; d >= 1; d -= 7) ++occurrence;
      by_weekday = tm.tm_wday + 1 == spec.weekday_value && occurrence == spec.nth;
      break;
    }
  }
  if (spec.day != Spec::Day::kAny && spec.weekday != Spec::Weekday::kAny) {
    return by_day || by_weekday;
  }
  return by_day && by_weekday;
}

int first_of(const std::vector<bool>& set) {
  for (std::size_t i = 0; i < set.size(); ++i)
    if (set[i]) return static_cast<int>(i);
  return 0;
}

int pick(Rng& rng, const std::vector<bool>& set) {
  std::vector<int> values;
  for (std::size_t i = 0; i < set.size(); ++i)
    if (set[i]) values.push_back(static_cast<int>(i));
  return values.empty() ? 0 : values[rng.next() % values.size()];
}

std::int64_t epoch_ms(std::int64_t year, int month, int day, int hour, int minute) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

// Floor division: times before 1970 round towards the past, like Date.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}

void check_probe(const CronExpression& cron, const Spec& spec, std::int64_t ms, Rng& rng) {
  const auto seconds = static_cast<std::time_t>(floor_div(ms, 1000));
  std::tm tm{};
  FUZZ_CHECK(gmtime_r(&seconds, &tm) != nullptr, "probe time outside libc's calendar");
  const bool matched = cron.matches_epoch_ms(ms);
  FUZZ_CHECK(matched == expected_match(spec, tm),
             "matches_epoch_ms disagrees with the normalised text read independently");
  // Any instant of the same minute gives the same answer.
  const std::int64_t minute_start = floor_div(ms, 60'000) * 60'000;
  const std::int64_t other = minute_start + rng.between(0, 59'999);
  FUZZ_CHECK(cron.matches_epoch_ms(other) == matched, "a match depends on more than the minute");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 200) return 0;  // real expressions are short; longer inputs only slow the search
  const std::string_view text = miti_fuzz::as_text(data, size);

  std::optional<CronExpression> parsed;
  try {
    parsed = CronExpression::parse(text);
  } catch (const CronError& error) {
    const std::string message = error.what();
    // what() is a C string: an expression holding a NUL byte is named up to it.
    const std::string_view named = text.substr(0, text.find('\0'));
    FUZZ_CHECK(message.starts_with("cron expression '" + std::string(named)) &&
                   (named.size() < text.size() || message.find("': ") != std::string::npos),
               "a CronError does not name the expression");
    FUZZ_CHECK(!miti::cron::normalize(text).has_value(), "normalize accepts what parse refuses");
    return 0;
  }
  const CronExpression& cron = *parsed;
  const std::string& normalized = cron.normalized();
  FUZZ_CHECK(miti::cron::normalize(text) == normalized, "normalize() differs from parse()");
  FUZZ_CHECK(normalized.find_first_not_of("0123456789*/,-LW# ") == std::string::npos,
             "normalized text outside the canonical alphabet");

  // A fixed point: the canonical text means the same and normalises to itself.
  std::optional<CronExpression> again;
  try {
    again = CronExpression::parse(normalized);
  } catch (const CronError&) {
    FUZZ_CHECK(false, "the normalized text does not parse again");
  }
  FUZZ_CHECK(again->normalized() == normalized, "normalize is not idempotent");
  FUZZ_CHECK(*again == cron, "the normalized expression is not equal to the original");

  std::optional<Spec> spec = read_spec(normalized);
  FUZZ_CHECK(spec.has_value(), "normalized text is not in canonical form");

  Rng rng(text);
  // Anywhere a JavaScript Date can be (|t| <= 8.64e15 ms, about +-274,000 years), where epoch
  // milliseconds are exact in a double. Beyond it no scheduled time can come from the Worker;
  // there matching only has to return.
  for (int i = 0; i < 4; ++i) {
    check_probe(cron, *spec, rng.between(-8'640'000'000'000'000, 8'640'000'000'000'000), rng);
  }
  for (std::int64_t far :
       {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
        std::int64_t{8'640'000'000'000'001}, std::int64_t{-8'640'000'000'000'001}}) {
    (void)cron.matches_epoch_ms(far);
  }
  // Likely matches, around month ends and starts, 1600-2400 (leap rules of 1600, 1700, 2000).
  for (int i = 0; i < 24; ++i) {
    const std::int64_t year = rng.between(1600, 2400);
    const int month =
        rng.next() % 4 == 0 ? static_cast<int>(rng.between(1, 12)) : pick(rng, spec->months);
    const int length = days_in_month(year, month);
    const std::array<int, 7> days = {
        1, 2, 3, length - 2, length - 1, length, static_cast<int>(rng.between(1, length))};
    const int day = days[rng.next() % days.size()];
    const bool likely = rng.next() % 4 != 0;
    const int hour = likely ? pick(rng, spec->hours) : static_cast<int>(rng.between(0, 23));
    const int minute = likely ? pick(rng, spec->minutes) : static_cast<int>(rng.between(0, 59));
    check_probe(cron, *spec, epoch_ms(year, month, day, hour, minute) + rng.between(0, 59'999),
                rng);
  }

  // Accepted and not restricted by weekday: some day of 2024-2031 (two leap years) matches.
  if (spec->weekday == Spec::Weekday::kAny && rng.next() % 8 == 0) {
    const int hour = first_of(spec->hours);
    const int minute = first_of(spec->minutes);
    const std::int64_t start = epoch_ms(2024, 1, 1, hour, minute);
    const std::int64_t end = epoch_ms(2032, 1, 1, 0, 0);
    bool fires = false;
    for (std::int64_t t = start; t < end && !fires; t += 86'400'000)
      fires = cron.matches_epoch_ms(t);
    FUZZ_CHECK(fires, "an accepted schedule never fires in 2024-2031");
  }
  return 0;
}
