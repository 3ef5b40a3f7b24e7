// Real numbers as JSON text. Exact in both directions: the native build uses
// <charconv>; Emscripten 3.1.6's libc++ has no floating-point charconv, so the
// Worker asks its JS host (Number / String), which is exact and costs no wasm.
#pragma once

#include <string>
#include <string_view>

namespace miti::detail {

// The shortest text that reads back as `value`; null for NaN and infinities
// (as JSON.stringify writes them).
void append_double(std::string& out, double value);

// A JSON number's text (already validated by the parser) as a double.
double parse_double(std::string_view text);

}  // namespace miti::detail
