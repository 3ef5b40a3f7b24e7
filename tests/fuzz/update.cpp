// libFuzzer entry: a webhook body through miti's JSON parser, parse_update and
// parse_command, checking the properties the dispatcher relies on (the
// splitter has a target of its own: splitter.cpp).
//
// Input: byte 0 picks the bot username, the rest is the
// body. Any exception or failed check aborts, which the fuzzer reports.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "miti/json.hpp"
#include "miti/telegram.hpp"
#include "telegram/command_parser.hpp"

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

void check_command(const miti::telegram::Message& message, std::string_view username) {
  auto parsed = miti::telegram::parse_command(message, username);
  if (!parsed) return;
  check(message.text.has_value(), "a command needs text");
  check(!parsed->name.empty(), "command name is empty");
  check(parsed->name.find('@') == std::string::npos, "command name keeps @bot");
  check(parsed->args.empty() || !is_space(parsed->args.front()), "args start with whitespace");
  const std::string& text = *message.text;
  check(text.size() >= parsed->args.size() &&
            text.compare(text.size() - parsed->args.size(), parsed->args.size(), parsed->args) == 0,
        "args are not the end of the text");
}

// Numbers beyond a double's range parse to +-infinity and dump as null, as JavaScript's
// JSON.parse and JSON.stringify do (tests/unit/json_test.cpp): the round trip holds once
// those are read as null.
void infinities_as_null(miti::Json& value) {
  if (value.is_real() && !std::isfinite(value.as_number())) {
    value = nullptr;
  } else if (value.is_array()) {
    for (miti::Json& item : value.as_array()) infinities_as_null(item);
  } else if (value.is_object()) {
    for (miti::Json::Member& member : value.as_object()) infinities_as_null(member.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kUsernames[] = {"", "mybot", "@MyBot", "a"};
  std::string_view username = kUsernames[data[0] % 4];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  std::optional<miti::Json> parsed = miti::Json::try_parse(body);
  if (!parsed) return 0;
  // The JSON round trip: what dump() writes parses back to an equal value (but
  // for infinities, which become null), and dumping that again gives the same text.
  const std::string text = parsed->dump();
  std::optional<miti::Json> again = miti::Json::try_parse(text);
  check(again.has_value(), "dump() wrote text that does not parse");
  miti::Json expected = *parsed;
  infinities_as_null(expected);
  check(*again == expected, "parse(dump(x)) != x (infinities read as null)");
  check(again->dump() == text, "dump() is not stable");
  miti::Json json = std::move(*parsed);
  // parse_update's contract: nullopt for anything that is not an update, never a throw.
  std::optional<miti::telegram::Update> update = miti::telegram::parse_update(std::move(json));
  if (!update) return 0;
  for (const auto* message : {&update->message, &update->channel_post, &update->edited_message}) {
    if (!*message) continue;
    check_command(**message, username);
  }
  return 0;
}
