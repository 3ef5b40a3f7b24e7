// Just enough TOML to read wrangler.toml's [vars] MODULES, MITI_CRON_DISPATCH and
// MITI_CRON_BUDGET and [triggers] crons, and to rewrite that list and the dispatch line in place.
// Hand-rolled so the rest of the file (comments, layout, keys we do not know) survives byte for
// byte; a full TOML library would re-serialise it.
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

// One key/value line of wrangler.toml, and where it sits (offsets into the text).
struct TomlKeyValue {
  std::string value;  // a string's decoded text, or any other value's text as written
  bool is_string = false;
  std::size_t line_begin = 0;   // start of the line the key is on
  std::size_t value_begin = 0;  // the value's first character (a string's opening quote)
  std::size_t value_end = 0;    // just past the value
  std::size_t line_end = 0;     // just past the line's newline (or the end of the text)
};

// What the check and sync need from wrangler.toml. Only the top-level tables count ([vars],
// [triggers]); [env.<name>.*] overrides are not read.
struct WranglerCrons {
  std::optional<std::string> modules;             // [vars] MODULES
  std::optional<TomlStringArray> crons;           // [triggers] crons
  std::optional<std::size_t> triggers_body;       // just past the [triggers] header line
  std::optional<TomlKeyValue> cron_dispatch;      // [vars] MITI_CRON_DISPATCH
  std::optional<TomlKeyValue> cron_budget;        // [vars] MITI_CRON_BUDGET
  std::optional<std::size_t> vars_last_line_end;  // just past [vars]' last key/value line, or
                                                  // its header line when it has none
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

// `text` with [vars] MITI_CRON_DISPATCH set to the TOML string `value`: the value replaced in
// place when the key exists (the rest of its line kept), a new line after the last [vars] entry
// otherwise, or a new [vars] section at the end when there is none. With std::nullopt, the key's
// whole line (with any comment on it) is removed; nothing changes when there is no such key.
std::string set_cron_dispatch(std::string_view text, const WranglerCrons& scanned,
                              std::optional<std::string_view> value);

}  // namespace miti::tools
