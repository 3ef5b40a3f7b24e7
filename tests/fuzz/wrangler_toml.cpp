// The wrangler.toml reader (tools/lib/wrangler_toml.*): scan_wrangler_toml, toml_string,
// replace_crons.
//
// Input: a wrangler.toml text. Properties:
// * scan_wrangler_toml returns or throws TomlError "wrangler.toml:<line>: ..." with a line
//   inside the text; nothing else escapes.
// * A found crons array spans '[' ... ']' inside the text; [triggers]'s body offset is inside.
// * replace_crons with the same list re-encoded by toml_string reads back the same crons and
//   MODULES, keeps every byte outside the array, and replacing again changes nothing; with a
//   different list (one cron added, or none) the new list reads back and MODULES is untouched.
// * toml_string(s) reads back as s, whatever the bytes (tried with the input itself).
#include "lib/wrangler_toml.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using miti::tools::replace_crons;
using miti::tools::scan_wrangler_toml;
using miti::tools::toml_string;
using miti::tools::TomlError;
using miti::tools::WranglerCrons;

std::optional<WranglerCrons> scan(std::string_view text) {
  try {
    return scan_wrangler_toml(text);
  } catch (const TomlError& error) {
    const std::string_view message = error.what();
    const std::string_view prefix = "wrangler.toml:";
    FUZZ_CHECK(message.starts_with(prefix), "a TomlError does not start with wrangler.toml:");
    const std::size_t colon = message.find(": ", prefix.size());
    FUZZ_CHECK(colon != std::string_view::npos && colon > prefix.size(),
               "a TomlError has no line number");
    const std::string_view digits = message.substr(prefix.size(), colon - prefix.size());
    FUZZ_CHECK(
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }),
        "a TomlError's line is not a number");
    const auto lines = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    FUZZ_CHECK(digits.size() <= 12 && std::stoull(std::string(digits)) >= 1 &&
                   std::stoull(std::string(digits)) <= lines,
               "a TomlError names a line outside the text");
    return std::nullopt;
  }
}

std::string array_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

// Replaces the crons with `items`, scans the result and checks what it reads.
std::string replace_and_check(std::string_view text, const WranglerCrons& scanned,
                              const std::vector<std::string>& items) {
  const std::string replaced = replace_crons(text, scanned, array_text(items));
  std::optional<WranglerCrons> again = scan(replaced);
  FUZZ_CHECK(again.has_value(), "replace_crons produced a file the reader refuses");
  FUZZ_CHECK(again->crons.has_value() && again->crons->items == items,
             "replace_crons's list does not read back");
  FUZZ_CHECK(again->modules == scanned.modules, "replace_crons changed MODULES");
  return replaced;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = miti_fuzz::as_text(data, size);

  // toml_string reads back as the same bytes, as a MODULES value.
  {
    const std::string file = "[vars]\nMODULES = " + toml_string(text) + "\n";
    std::optional<WranglerCrons> read = scan(file);
    FUZZ_CHECK(read.has_value() && read->modules == std::string(text),
               "toml_string does not read back");
  }

  std::optional<WranglerCrons> scanned = scan(text);
  if (!scanned) return 0;
  if (scanned->triggers_body) {
    FUZZ_CHECK(*scanned->triggers_body <= text.size(), "[triggers] body offset past the end");
  }
  if (scanned->crons) {
    const auto& crons = *scanned->crons;
    FUZZ_CHECK(crons.begin < crons.end && crons.end <= text.size() && text[crons.begin] == '[' &&
                   text[crons.end - 1] == ']',
               "the crons array's offsets do not span [ ... ]");

    // Same list re-encoded: only the array's bytes may change, and a second pass is a no-op.
    const std::string replaced = replace_and_check(text, *scanned, crons.items);
    const std::size_t tail = text.size() - crons.end;
    FUZZ_CHECK(replaced.starts_with(text.substr(0, crons.begin)) &&
                   replaced.ends_with(text.substr(crons.end)) &&
                   replaced.size() >= crons.begin + tail,
               "replace_crons changed bytes outside the array");
    std::optional<WranglerCrons> rescanned = scan(replaced);
    FUZZ_CHECK(replace_crons(replaced, *rescanned, array_text(crons.items)) == replaced,
               "replacing the same list twice changes the file");
  }

  // A different list: one more cron, and none.
  std::vector<std::string> more =
      scanned->crons ? scanned->crons->items : std::vector<std::string>{};
  more.emplace_back("*/5 * * * *");
  const std::string with_more = replace_and_check(text, *scanned, more);
  replace_and_check(text, *scanned, {});
  if (!scanned->crons && scanned->triggers_body) {
    // Added as the first line of [triggers]: the text is all there, around it.
    const std::size_t at = *scanned->triggers_body;
    FUZZ_CHECK(with_more.starts_with(text.substr(0, at)) && with_more.ends_with(text.substr(at)),
               "adding crons to [triggers] changed other bytes");
  } else if (!scanned->crons) {
    FUZZ_CHECK(with_more.starts_with(text), "appending a [triggers] section changed other bytes");
  }
  return 0;
}
