#include "miti/time.hpp"

#include <array>

#include "util/civil_date.hpp"

namespace miti {

namespace {
// Appends `value` with at least `width` digits (zero padded).
void append_padded(std::string& out, std::int64_t value, int width) {
  std::array<char, 20> digits{};
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && count < 20);
  for (int i = count; i < width; ++i) out += '0';
  while (count > 0) out += digits[--count];
}
}  // namespace

// Hand-formatted rather than snprintf: printf would add its whole
// floating-point machinery to the Worker's wasm.
std::string iso8601_utc(std::int64_t epoch_ms) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  const std::int64_t days = util::floor_div(epoch_ms, kMsPerDay);
  const std::int64_t rest = epoch_ms - days * kMsPerDay;
  const util::CivilDate date = util::civil_from_days(days);
  std::string out;
  out.reserve(24);
  if (date.year < 0) out += '-';
  append_padded(out, date.year < 0 ? -date.year : date.year, 4);
  out += '-';
  append_padded(out, date.month, 2);
  out += '-';
  append_padded(out, date.day, 2);
  out += 'T';
  append_padded(out, rest / 3'600'000, 2);
  out += ':';
  append_padded(out, rest / 60'000 % 60, 2);
  out += ':';
  append_padded(out, rest / 1000 % 60, 2);
  out += '.';
  append_padded(out, rest % 1000, 3);
  out += 'Z';
  return out;
}

}  // namespace miti
