#include "remind/duration.hpp"

#include <array>

#include "remind/config.hpp"

namespace remind {

namespace {

struct Unit {
  char letter;
  std::int64_t ms;
};
constexpr std::array<Unit, 4> kUnits = {{
    {'w', 7 * kDayMs},
    {'d', kDayMs},
    {'h', 60 * kMinuteMs},
    {'m', kMinuteMs},
}};
// Six digits are enough for any duration up to a year in minutes (525,600)
// and keep the arithmetic far from overflow.
constexpr std::size_t kMaxDigits = 6;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each once
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      // Refuse a seventh digit before it is added: 20 digits would overflow.
      if (i - start == kMaxDigits) return std::nullopt;
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    char letter = lower(text[i++]);
    std::size_t unit = next_unit;
    while (unit < kUnits.size() && kUnits[unit].letter != letter) ++unit;
    if (unit == kUnits.size()) return std::nullopt;
    total += number * kUnits[unit].ms;
    next_unit = unit + 1;
  }
  return total;
}

std::string format_duration(std::int64_t ms) {
  std::string out;
  std::int64_t rest = ms / kMinuteMs;
  for (const Unit& unit :
       {kUnits[1], kUnits[2], kUnits[3]}) {  // d h m: "14d" reads better than "2w"
    std::int64_t per = unit.ms / kMinuteMs;
    if (rest >= per) {
      out += std::to_string(rest / per) + unit.letter;
      rest %= per;
    }
  }
  return out.empty() ? "0m" : out;
}

}  // namespace remind
