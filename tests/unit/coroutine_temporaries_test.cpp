// Braced temporaries inside co_await are the documented way to pass options
// (`co_await ctx.reply(text, {.parse_mode = "HTML"})`). The native build uses
// clang, the same front end as the wasm build, so these tests check what the
// Worker runs: every temporary is constructed and destroyed exactly once.
#include <catch2/catch.hpp>
#include <string>

#include "fake_host.hpp"
#include "miti/bot_api.hpp"
#include "miti/module.hpp"
#include "worker_harness.hpp"

namespace {

using miti::Json;
using miti::Task;

// Counts its live instances, so a double destruction shows as a negative count.
struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  Counted(Counted&&) noexcept { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --live; }
};
struct Options {
  int flag = 0;
  Counted counted;
};
Task<int> takes_options(Options options = {}) {
  co_return options.flag;
}
Task<int> awaits_braced() {
  int a = co_await takes_options();
  int b = co_await takes_options({});
  int c = co_await takes_options({.flag = 3});
  co_return a + b + c;
}

Task<void> send_html(miti::BotApi& api) {
  co_await api.send_message(5, "<b>hi</b>", {.parse_mode = "HTML"});
}

}  // namespace

TEST_CASE("braced temporaries and defaults inside co_await are destroyed once", "[coroutine]") {
  Counted::live = 0;
  {
    Task<int> task = awaits_braced();
    task.start();
    REQUIRE(task.done());
    CHECK(task.result() == 3);
  }
  CHECK(Counted::live == 0);
}

TEST_CASE("co_await api.send_message(chat, text, {.parse_mode = ...}) keeps the options",
          "[coroutine]") {
  miti_test::ScopeHarness h;
  miti::BotApi api(h.scope, true);
  Task<void> task = send_html(api);
  task.start();
  REQUIRE(task.done());
  Json reply = api.take_webhook_reply().value_or(Json());
  CHECK(reply == Json({{"method", "sendMessage"},
                       {"chat_id", 5},
                       {"text", "<b>hi</b>"},
                       {"parse_mode", "HTML"}}));
}
