#include "json/number_text.hpp"

#include <array>
#include <cmath>

#ifdef __EMSCRIPTEN__
#include "wasm/js_imports.hpp"
#else
#include <charconv>
#include <cstdlib>
#endif

namespace miti::detail {

void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // -0 is written "0", as JSON.stringify does (to_chars would write "-0", which reads back as
  // the integer 0 and dumps differently).
  if (value == 0) value = 0;
  std::array<char, 32> buffer{};
#ifdef __EMSCRIPTEN__
  std::size_t length = miti_js_format_double(value, buffer.data(), buffer.size());
  out.append(buffer.data(), length);
#else
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
#endif
}

double parse_double(std::string_view text) {
#ifdef __EMSCRIPTEN__
  return miti_js_parse_double(text.data(), text.size());
#else
  // strtod, unlike from_chars, gives +-HUGE_VAL for 1e400 as JS does.
  return std::strtod(std::string(text).c_str(), nullptr);
#endif
}

}  // namespace miti::detail
