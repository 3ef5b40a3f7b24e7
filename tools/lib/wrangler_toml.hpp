// Just enough TOML to read wrangler.toml's [vars] MODULES and [triggers] crons and to rewrite
// that one list in place. Hand-rolled so the rest of the file (comments, layout, keys we do not
// know) survives byte for byte; a full TOML library would re-serialise it.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace miti::tools {

class TomlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TomlStringArray {
  std::vector<std::string> items;
  std::size_t begin = 0;  // offset of '['
  std::size_t end = 0;    // offset just past ']'
};

// What the check and sync need from wrangler.toml. Only the top-level tables count ([vars],
// [triggers]); [env.<name>.*] overrides are not read.
struct WranglerCrons {
  std::optional<std::string> modules;        // [vars] MODULES
  std::optional<TomlStringArray> crons;      // [triggers] crons
  std::optional<std::size_t> triggers_body;  // just past the [triggers] header line
};

// Throws TomlError "wrangler.toml:<line>: <problem>" on syntax it cannot follow, or when MODULES
// is not a string or crons not a list of strings.
WranglerCrons scan_wrangler_toml(std::string_view text);

// A TOML basic string: "..." with quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view value);

// `text` with the [triggers] crons value replaced by `array` (TOML array text, "[...]"): in
// place when the key exists, as the first line of an existing [triggers] section otherwise, or
// in a new [triggers] section appended at the end.
std::string replace_crons(std::string_view text, const WranglerCrons& scanned,
                          std::string_view array);

}  // namespace miti::tools
