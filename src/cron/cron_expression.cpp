// Parsing and normalising cron expressions; the rules are in cron_expression.hpp.
#include "cron/cron_expression.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <vector>

#include "util/declaration_errors.hpp"

namespace miti::cron {

// A refusal in words (src/util/declaration_errors.hpp): the production
// Worker evaluates none of the wording, only that the expression is refused.
#if defined(MITI_TERSE_DECLARATION_ERRORS)
#define MITI_CRON_FAIL(...) fail_terse()
#else
#define MITI_CRON_FAIL(...) fail(__VA_ARGS__)
#endif

namespace {

constexpr std::string_view kSpaces = " \t\r\n";

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};
// The longest each month can be (February in a leap year).
constexpr std::array<int, 13> kMaxMonthLength = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct Field {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] means min + i
  std::size_t name_count = 0;
  bool star_is_special = false;  // day fields: a bare * means "unrestricted", not "every value"
};

constexpr Field kMinute{"minute", 0, 59};
constexpr Field kHour{"hour", 0, 23};
constexpr Field kDayOfMonth{"day-of-month", 1, 31, nullptr, 0, true};
constexpr Field kMonth{"month", 1, 12, kMonthNames.data(), kMonthNames.size()};
constexpr Field kDayOfWeek{"day-of-week", 1, 7, kWeekdayNames.data(), kWeekdayNames.size(), true};

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A field number; anything longer than 4 digits is out of every range anyway
// and reads as 10000 rather than overflowing.
int small_number(std::string_view digits) {
  return digits.size() > 4 ? 10000 : std::stoi(std::string(digits));
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// The wording of refusals (used only where MITI_CRON_FAIL keeps it).
[[maybe_unused]] constexpr std::string_view kDayOfMonthForms =
    "; the forms are L, L-n, LW, L-nW and nW, alone in the field";
[[maybe_unused]] constexpr std::string_view kDayOfWeekForms =
    "; the forms are L, nL and n#k, alone in the field";

[[maybe_unused]] std::string joined(std::string_view a, std::string_view b) {
  return std::string(a) + std::string(b);
}

[[maybe_unused]] std::string out_of_range(const Field& field, int value) {
  std::string what = std::to_string(value) + " is out of range " + std::to_string(field.min) + "-" +
                     std::to_string(field.max);
  if (&field == &kDayOfWeek) {
    what += " (Cloudflare counts weekdays 1=SUN, 2=MON ... 7=SAT; names SUN-SAT work too)";
  }
  return what;
}

[[maybe_unused]] std::string field_count_problem(std::size_t count) {
  std::string what = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                     std::to_string(count);
  if (count == 6) what += "; Cloudflare has no seconds or year field";
  return what;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// Sorted values of a bit set, as field values (bit i is value i + offset).
std::vector<int> values_of(std::uint64_t bits, int offset) {
  std::vector<int> values;
  for (int i = 0; i < 64; ++i)
    if ((bits >> i) & 1u) values.push_back(i + offset);
  return values;
}

// The shortest usual spelling of a set: "*", "*/s", "a-b/s", or runs like "1-5,9".
std::string render_set(const std::vector<int>& values, const Field& field) {
  const auto count = static_cast<int>(values.size());
  if (!field.star_is_special && count == field.max - field.min + 1) return "*";
  if (count >= 2) {
    int step = values[1] - values[0];
    bool progression = step >= 2;
    for (int i = 2; progression && i < count; ++i) progression = values[i] - values[i - 1] == step;
    // Two values only read as a step when the step divides the field evenly ("0,30" is */30,
    // but "1,7" weekdays is not */6); short progressions read better as lists.
    const int size = field.max - field.min + 1;
    if (progression && values.front() == field.min && values.back() + step > field.max &&
        (count >= 3 || size % step == 0)) {
      return "*/" + std::to_string(step);
    }
    if (progression && count >= 4) {
      return std::to_string(values.front()) + "-" + std::to_string(values.back()) + "/" +
             std::to_string(step);
    }
  }
  std::string out;
  for (int i = 0; i < count;) {
    int j = i;
    while (j + 1 < count && values[j + 1] == values[j] + 1) ++j;
    if (!out.empty()) out += ",";
    if (j - i >= 2) {
      out += std::to_string(values[i]) + "-" + std::to_string(values[j]);
      i = j + 1;
    } else {
      out += std::to_string(values[i]);
      ++i;
    }
  }
  return out;
}

}  // namespace

// Builds a CronExpression field by field; every error names the expression and the field.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  CronExpression run() {
    std::vector<std::string_view> fields = split_fields();
    CronExpression cron;
    cron.minutes_ = parse_set(kMinute, fields[0]);
    cron.hours_ = static_cast<std::uint32_t>(parse_set(kHour, fields[1]));
    cron.months_ = static_cast<std::uint16_t>(parse_set(kMonth, fields[3]));
    parse_day_of_month(cron, fields[2]);
    parse_day_of_week(cron, fields[4]);
    if (cron.weekday_kind_ == CronExpression::WeekdayKind::kAny) check_day_exists(cron, fields[2]);
    cron.normalized_ = render(cron);
    return cron;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw CronError("cron expression " + quoted(text_) + ": " + what);
  }
  [[noreturn]] [[maybe_unused]] void fail_terse() const {
    throw CronError("cron expression " + quoted(text_) + std::string(detail::kTerseWhy));
  }
  [[noreturn]] void fail(const Field& field, std::string_view token,
                         const std::string& what) const {
    fail(std::string(field.name) + " " + quoted(token) + ": " + what);
  }

  std::vector<std::string_view> split_fields() const {
    std::vector<std::string_view> fields;
    std::string_view rest = text_;
    while (true) {
      auto begin = rest.find_first_not_of(kSpaces);
      if (begin == std::string_view::npos) break;
      rest.remove_prefix(begin);
      auto end = rest.find_first_of(kSpaces);
      fields.push_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end);
    }
    if (fields.empty()) MITI_CRON_FAIL("is empty");
    if (fields[0].starts_with('@')) {
      MITI_CRON_FAIL(
          "macros such as @daily are not supported by Cloudflare; write five fields, e.g. "
          "'0 0 * * *'");
    }
    if (fields.size() != 5) MITI_CRON_FAIL(field_count_problem(fields.size()));
    return fields;
  }

  // A number or, where the field has them, a three-letter name in any case.
  int parse_value(const Field& field, std::string_view token,
                  [[maybe_unused]] std::string_view item) const {
    int value = -1;
    if (token == "?") MITI_CRON_FAIL(field, item, "'?' is not supported by Cloudflare; write '*'");
    if (is_digits(token)) {
      value = small_number(token);
    } else if (field.names != nullptr) {
      std::string name = upper(token);
      for (std::size_t i = 0; i < field.name_count; ++i)
        if (field.names[i] == name) value = field.min + static_cast<int>(i);
      if (value < 0) {
        MITI_CRON_FAIL(field, item,
                       quoted(token) + " is not a value; use " + std::to_string(field.min) + "-" +
                           std::to_string(field.max) + " or the three-letter names " +
                           std::string(field.names[0]) + "-" +
                           std::string(field.names[field.name_count - 1]));
      }
    } else {
      MITI_CRON_FAIL(field, item,
                     quoted(token) + " is not a number in " + std::to_string(field.min) + "-" +
                         std::to_string(field.max));
    }
    if (value < field.min || value > field.max)
      MITI_CRON_FAIL(field, item, out_of_range(field, value));
    return value;
  }

  // *, a, a-b, a/s, a-b/s, */s, and comma lists of them: bit v set for each value v.
  std::uint64_t parse_set(const Field& field, std::string_view text) const {
    if (text == "*")
      return ((std::uint64_t{2} << field.max) - 1) & ~((std::uint64_t{1} << field.min) - 1);
    std::uint64_t bits = 0;
    for (std::string_view item : split(text, ',')) {
      if (item.empty()) MITI_CRON_FAIL(field, text, "empty item in the list");
      std::string_view base = item;
      int step = 1;
      if (auto slash = item.find('/'); slash != std::string_view::npos) {
        base = item.substr(0, slash);
        std::string_view step_text = item.substr(slash + 1);
        int span = field.max - field.min;
        if (!is_digits(step_text))
          MITI_CRON_FAIL(field, item, "the step after '/' must be a number");
        step = small_number(step_text);
        if (step < 1 || step > span) {
          MITI_CRON_FAIL(
              field, item,
              "step " + std::to_string(step) + " is out of range 1-" + std::to_string(span));
        }
      }
      int first = field.min;
      int last = field.max;
      if (base == "*") {
        if (item == "*") MITI_CRON_FAIL(field, text, "'*' must stand alone, not inside a list");
      } else if (auto dash = base.find('-'); dash != std::string_view::npos) {
        first = parse_value(field, base.substr(0, dash), item);
        last = parse_value(field, base.substr(dash + 1), item);
        if (first > last) {
          MITI_CRON_FAIL(field, item,
                         "the range runs backwards; split it, e.g. " + std::to_string(first) + "-" +
                             std::to_string(field.max) + "," + std::to_string(field.min) + "-" +
                             std::to_string(last));
        }
      } else {
        first = parse_value(field, base, item);
        if (item.find('/') == std::string_view::npos) last = first;  // "a/s" runs to the maximum
      }
      for (int v = first; v <= last; v += step) bits |= std::uint64_t{1} << v;
    }
    return bits;
  }

  void parse_day_of_month(CronExpression& cron, std::string_view text) const {
    using Kind = CronExpression::DayKind;
    if (text == "*") return;
    if (text.find_first_of("lw") != std::string_view::npos) {
      MITI_CRON_FAIL(kDayOfMonth, text, "write L and W in capitals, as Cloudflare requires");
    }
    if (text.find_first_of("LW") == std::string_view::npos) {
      cron.day_kind_ = Kind::kSet;
      cron.days_ = static_cast<std::uint32_t>(parse_set(kDayOfMonth, text));
      return;
    }
    std::string_view rest = text;
    bool weekday = rest.ends_with('W');
    if (weekday) rest.remove_suffix(1);
    if (rest.starts_with('L')) {
      rest.remove_prefix(1);
      cron.day_kind_ = weekday ? Kind::kLastWeekday : Kind::kLast;
      if (rest.empty()) return;
      if (!rest.starts_with('-') || !is_digits(rest.substr(1))) {
        MITI_CRON_FAIL(kDayOfMonth, text, joined("not a valid L form", kDayOfMonthForms));
      }
      std::string_view offset = rest.substr(1);
      cron.day_value_ = small_number(offset);
      if (cron.day_value_ < 1 || cron.day_value_ > 30) {
        MITI_CRON_FAIL(
            kDayOfMonth, text,
            "offset " + std::to_string(cron.day_value_) + " after 'L-' is out of range 1-30");
      }
      return;
    }
    if (!weekday || !is_digits(rest))
      MITI_CRON_FAIL(kDayOfMonth, text, joined("not a valid L or W form", kDayOfMonthForms));
    cron.day_kind_ = Kind::kNearestWeekday;
    cron.day_value_ = parse_value(kDayOfMonth, rest, text);
  }

  void parse_day_of_week(CronExpression& cron, std::string_view text) const {
    using Kind = CronExpression::WeekdayKind;
    if (text == "*") return;
    auto hash = text.find('#');
    bool last = text.ends_with('L');
    if (hash == std::string_view::npos && !last) {
      cron.weekday_kind_ = Kind::kSet;
      cron.weekdays_ = static_cast<std::uint8_t>(parse_set(kDayOfWeek, text) >> 1);
      return;
    }
    if (text.find_first_of(",-/") != std::string_view::npos) {
      MITI_CRON_FAIL(
          kDayOfWeek, text,
          joined("L and # cannot be combined with lists, ranges or steps", kDayOfWeekForms));
    }
    if (text == "L") {  // Cloudflare reads a lone L as the last day of the week
      cron.weekday_kind_ = Kind::kSet;
      cron.weekdays_ = 1u << 6;
      return;
    }
    if (last) {
      cron.weekday_kind_ = Kind::kLastOfMonth;
      cron.weekday_value_ = parse_value(kDayOfWeek, text.substr(0, text.size() - 1), text) - 1;
      return;
    }
    std::string_view nth = text.substr(hash + 1);
    if (!is_digits(nth))
      MITI_CRON_FAIL(kDayOfWeek, text, joined("'#' must be followed by 1-5", kDayOfWeekForms));
    cron.weekday_kind_ = Kind::kNth;
    cron.weekday_value_ = parse_value(kDayOfWeek, text.substr(0, hash), text) - 1;
    cron.weekday_nth_ = small_number(nth);
    if (cron.weekday_nth_ < 1 || cron.weekday_nth_ > 5) {
      MITI_CRON_FAIL(
          kDayOfWeek, text,
          "occurrence " + std::to_string(cron.weekday_nth_) + " after '#' is out of range 1-5");
    }
  }

  // With day-of-week unrestricted, a day-of-month that none of the months has would never fire.
  void check_day_exists(const CronExpression& cron, [[maybe_unused]] std::string_view text) const {
    using Kind = CronExpression::DayKind;
    int longest = 0;
    for (int month = 1; month <= 12; ++month)
      if ((cron.months_ >> month) & 1u) longest = std::max(longest, kMaxMonthLength[month]);
    int needed = 0;
    switch (cron.day_kind_) {
      case Kind::kAny:
        return;
      case Kind::kSet:
        needed = std::countr_zero(cron.days_);
        break;
      case Kind::kLast:
      case Kind::kLastWeekday:
        needed = cron.day_value_ + 1;
        break;
      case Kind::kNearestWeekday:
        needed = cron.day_value_;
        break;
    }
    if (needed > longest) {
      MITI_CRON_FAIL(kDayOfMonth, text,
                     "no chosen month has " + std::to_string(needed) +
                         " days, so the schedule would never fire");
    }
  }

  static std::string render(const CronExpression& cron) {
    using Day = CronExpression::DayKind;
    using Weekday = CronExpression::WeekdayKind;
    std::string out = render_set(values_of(cron.minutes_, 0), kMinute) + " " +
                      render_set(values_of(cron.hours_, 0), kHour) + " ";
    std::string offset = cron.day_value_ > 0 ? "-" + std::to_string(cron.day_value_) : "";
    switch (cron.day_kind_) {
      case Day::kAny:
        out += "*";
        break;
      case Day::kSet:
        out += render_set(values_of(cron.days_, 0), kDayOfMonth);
        break;
      case Day::kLast:
        out += "L" + offset;
        break;
      case Day::kLastWeekday:
        out += "L" + offset + "W";
        break;
      case Day::kNearestWeekday:
        out += std::to_string(cron.day_value_) + "W";
        break;
    }
    out += " " + render_set(values_of(cron.months_, 0), kMonth) + " ";
    switch (cron.weekday_kind_) {
      case Weekday::kAny:
        out += "*";
        break;
      case Weekday::kSet:
        out += render_set(values_of(cron.weekdays_, 1), kDayOfWeek);
        break;
      case Weekday::kLastOfMonth:
        out += std::to_string(cron.weekday_value_ + 1) + "L";
        break;
      case Weekday::kNth:
        out += std::to_string(cron.weekday_value_ + 1) + "#" + std::to_string(cron.weekday_nth_);
        break;
    }
    return out;
  }

  std::string_view text_;
};

CronExpression CronExpression::parse(std::string_view text) {
  return Parser(text).run();
}

std::optional<std::string> normalize(std::string_view text) noexcept {
  try {
    return CronExpression::parse(text).normalized();
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace miti::cron
