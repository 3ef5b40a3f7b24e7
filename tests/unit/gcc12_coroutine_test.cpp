// g++ 12 (the native toolchain) destroys a brace-initialised aggregate
// temporary twice when it appears in a co_await expression inside a coroutine
// (`co_await f({})`, `co_await f({.x = 1})`, or a default argument written
// `T options = {}`). clang (the wasm build) does not. A default argument
// spelled `T options = T()` is not affected.
//
// So miti's coroutine APIs must not declare `= {}` defaults (reply,
// send_message and KvStore::list once did, and `co_await ctx.reply("pong")`
// double-freed natively), and module code must not pass braced temporaries
// inside co_await. The API checks run in a forked child so a regression is a
// failed check, not a crashed suite. The toolchain check documents the
// compiler and is expected to fail on g++ 12.
#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "fake_host.hpp"
#include "isolated.hpp"
#include "miti/bot_api.hpp"
#include "miti/module.hpp"
#include "worker_harness.hpp"

namespace {

using miti::CommandContext;
using miti::Json;
using miti::Task;
using miti_test::command_update;
using miti_test::run_isolated;
using miti_test::WorkerHarness;

// The idiomatic handler: default options, straight inside co_await.
Task<void> idiomatic_pong(CommandContext& ctx) {
  co_await ctx.reply("pong");
}

miti::ModuleDefinition idiomatic_module() {
  return {.name = "idiom",
          .commands = {{"pong", miti::Visibility::kPublic, "pong", idiomatic_pong}}};
}
const std::array<miti::registry::ModuleEntry, 1> kIdiom = {{{"idiom", &idiomatic_module}}};

Task<void> send_default(miti::BotApi& api) {
  co_await api.send_message(5, "hi");
}

// A stand-in for SendOptions that counts its live instances without owning
// heap memory, so the toolchain's behaviour is visible without crashing.
struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  Counted(Counted&&) noexcept { ++live; }
  ~Counted() { --live; }
};
struct Options {
  int flag = 0;
  Counted counted = Counted();
};
Task<void> takes_options(Options options = {}) {
  (void)options;
  co_return;
}
Task<void> awaits_with_default() {
  co_await takes_options();
}

}  // namespace

TEST_CASE("co_await ctx.reply(text) with default options does not corrupt memory", "[gcc12]") {
  std::string body = run_isolated([] {
    WorkerHarness h(kIdiom, {{"MODULES", "idiom"}});
    h.webhook(1, command_update(1, 42, "/pong"));
    return h.host.responses.at(0).body;
  });
  CHECK(body == miti_test::webhook_reply(42, "pong").dump());
}

TEST_CASE("co_await api.send_message(chat, text) with default options does not corrupt memory",
          "[gcc12]") {
  std::string body = run_isolated([] {
    miti_test::ScopeHarness h;
    miti::BotApi api(h.scope, true);
    Task<void> task = send_default(api);
    task.start();
    return api.take_webhook_reply().value_or(Json()).dump();
  });
  CHECK(body == Json({{"method", "sendMessage"}, {"chat_id", 5}, {"text", "hi"}}).dump());
}

TEST_CASE("toolchain: a braced default argument in co_await is destroyed once",
          "[gcc12][toolchain][!mayfail]") {
  Counted::live = 0;
  {
    Task<void> task = awaits_with_default();
    task.start();
    REQUIRE(task.done());
  }
  // g++ 12.2 leaves -1 here: one construction, two destructions.
  CHECK(Counted::live == 0);
}
