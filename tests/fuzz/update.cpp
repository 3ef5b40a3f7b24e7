// libFuzzer entry: a webhook body through parse_update, parse_command and
// split_message, checking the properties the dispatcher relies on.
//
// Input: byte 0 picks the bot username and a split limit, the rest is the
// body. Any exception or failed check aborts, which the fuzzer reports.
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
#include "telegram/message_splitter.hpp"

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

void check_split(std::string_view text, std::size_t max_units) {
  auto pieces = miti::telegram::split_message(text, max_units);
  check(!pieces.empty(), "no pieces");
  std::size_t at = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    // A single astral character is 2 units: a limit of 1 cannot be met.
    check(max_units < 2 || miti::telegram::utf16_length(pieces[i]) <= max_units,
          "piece over the limit");
    check(text.substr(at, pieces[i].size()) == pieces[i], "piece does not match the text");
    at += pieces[i].size();
    if (i + 1 < pieces.size() && at < text.size() && (text[at] == '\n' || text[at] == ' ')) ++at;
  }
  check(at == text.size(), "pieces lose text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kUsernames[] = {"", "mybot", "@MyBot", "a"};
  std::string_view username = kUsernames[data[0] % 4];
  std::size_t max_units = 2 + data[0] / 4 % 64;  // small limits split often
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  miti::Json json = miti::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  // parse_update's contract: nullopt for anything that is not an update, never a throw.
  std::optional<miti::telegram::Update> update = miti::telegram::parse_update(std::move(json));
  if (!update) return 0;
  for (const auto* message : {&update->message, &update->channel_post, &update->edited_message}) {
    if (!*message) continue;
    check_command(**message, username);
    if ((*message)->text && (*message)->text->size() < 4096)
      check_split(*(*message)->text, max_units);
  }
  return 0;
}
