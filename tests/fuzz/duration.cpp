// Reminder durations (modules/remind/duration.cpp): parse_duration, format_duration.
//
// Input: the text after /remind (a duration such as "1h30m"). Properties:
// * parse_duration agrees with a reference reading of the grammar (parts of 1-6 digits and a
//   unit w/d/h/m in either case, each unit once, largest first), computed in 128 bits so that
//   an overflow in the code under test shows up as a difference (and UBSan stops it anyway).
// * Accepted values are whole minutes, never negative; case does not matter.
// * format_duration gives canonical text ("1d2h3m": no leading zeros, hours < 24, minutes < 60,
//   "0m" for nothing) that parses back to the same value while the day count fits six digits,
//   and formats to itself again.
// * format_duration never fails on any int64 (derived from the input), negative ones included.
#include "remind/duration.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "remind/config.hpp"

namespace {

using remind::format_duration;
using remind::kDayMs;
using remind::kMinuteMs;
using remind::parse_duration;

std::optional<__int128> reference_parse(std::string_view text) {
  static constexpr std::string_view kLetters = "wdhm";
  static constexpr std::int64_t kMs[] = {7 * kDayMs, kDayMs, 60 * kMinuteMs, kMinuteMs};
  if (text.empty()) return std::nullopt;
  __int128 total = 0;
  std::size_t next_unit = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits = 0;
    __int128 number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (digits < 7) number = number * 10 + (text[i] - '0');  // more is refused below
      ++digits;
      ++i;
    }
    if (digits < 1 || digits > 6 || i == text.size()) return std::nullopt;
    const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
    const std::size_t unit = kLetters.find(letter);
    if (unit == std::string_view::npos || unit < next_unit) return std::nullopt;
    total += number * kMs[unit];
    next_unit = unit + 1;
  }
  return total;
}

// "1d2h3m" with each part optional, no leading zeros, h < 24, m < 60; "0m" alone for zero.
bool canonical(std::string_view text) {
  if (text == "0m") return true;
  if (text.empty()) return false;
  std::size_t i = 0;
  constexpr std::string_view kUnits = "dhm";
  std::size_t next_unit = 0;  // each unit once, largest first
  while (i < text.size()) {
    std::size_t start = i;
    long long number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (i - start > 18) return false;
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || i == text.size() || text[start] == '0') return false;
    std::size_t unit = kUnits.find(text[i++]);
    if (unit == std::string_view::npos || unit < next_unit) return false;
    if ((unit == 1 && number >= 24) || (unit == 2 && number >= 60)) return false;
    next_unit = unit + 1;
  }
  return true;
}

void check_format(std::int64_t ms) {
  const std::string text = format_duration(ms);
  FUZZ_CHECK(canonical(text), "format_duration is not canonical");
  if (ms < kMinuteMs) {
    FUZZ_CHECK(text == "0m", "less than a minute formats as something other than 0m");
    return;
  }
  const std::int64_t whole_minutes = ms - ms % kMinuteMs;
  if (whole_minutes / kDayMs <= 999'999) {
    FUZZ_CHECK(parse_duration(text) == whole_minutes,
               "format_duration does not parse back to the same minutes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = miti_fuzz::as_text(data, size);
  const std::optional<std::int64_t> parsed = parse_duration(text);
  const std::optional<__int128> expected = reference_parse(text);
  FUZZ_CHECK(parsed.has_value() == expected.has_value(),
             "parse_duration accepts or refuses against the grammar");
  if (parsed) {
    FUZZ_CHECK(*parsed == *expected, "parse_duration computes a different value");
    FUZZ_CHECK(*parsed >= 0 && *parsed % kMinuteMs == 0, "not a whole, non-negative minute count");
    std::string flipped(text);
    for (char& c : flipped)
      c = static_cast<char>(std::isupper(static_cast<unsigned char>(c))
                                ? std::tolower(static_cast<unsigned char>(c))
                                : std::toupper(static_cast<unsigned char>(c)));
    FUZZ_CHECK(parse_duration(flipped) == parsed, "the case of the units matters");
    check_format(*parsed);
    const std::string formatted = format_duration(*parsed);
    if (auto back = parse_duration(formatted)) {
      FUZZ_CHECK(format_duration(*back) == formatted, "format_duration is not a fixed point");
    }
  }

  // format_duration on arbitrary values: any int64, and plausible ones up to two years.
  miti_fuzz::Rng rng(text);
  check_format(static_cast<std::int64_t>(rng.next()));
  check_format(rng.between(0, 2 * 366 * kDayMs));
  return 0;
}
