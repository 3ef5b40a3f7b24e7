// Shared by the fuzz targets: property checks that abort (libFuzzer reports an
// abort as a crash and saves the input), and small independent oracles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace miti_fuzz {

// A property that must hold: prints what failed and aborts.
#define FUZZ_CHECK(condition, what)                                            \
  do {                                                                         \
    if (!(condition)) ::miti_fuzz::fail(__FILE__, __LINE__, #condition, what); \
  } while (false)

[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              std::string_view what) {
  std::fprintf(stderr, "\n%s:%d: fuzz property failed: %.*s\n  (%s)\n", file, line,
               static_cast<int>(what.size()), what.data(), condition);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Strict UTF-8 (RFC 3629): shortest forms only, no surrogates, nothing above U+10FFFF.
inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    unsigned char lead = byte(0);
    std::size_t n = 0;
    std::uint32_t min = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      n = 2, min = 0x80, code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      n = 3, min = 0x800, code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      n = 4, min = 0x10000, code = lead & 0x07;
    } else {
      return false;
    }
    if (i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((byte(k) & 0xC0) != 0x80) return false;
      code = code << 6 | (byte(k) & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// UTF-16 code units of valid UTF-8, by decoding: an oracle for miti::utf16_length.
inline std::size_t utf16_units_by_decoding(std::string_view utf8) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    auto lead = static_cast<unsigned char>(utf8[i]);
    std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

// Whether byte `at` of valid UTF-8 starts a code point (or is the end).
inline bool at_code_point_boundary(std::string_view utf8, std::size_t at) {
  return at >= utf8.size() || (static_cast<unsigned char>(utf8[at]) & 0xC0) != 0x80;
}

// A small deterministic generator for probe values derived from the input.
class Rng {
 public:
  explicit Rng(std::string_view seed) {
    for (char c : seed) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  }
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }

 private:
  std::uint64_t state_ = 0xCBF29CE484222325ULL;
};

}  // namespace miti_fuzz
