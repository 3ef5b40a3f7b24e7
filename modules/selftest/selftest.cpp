// selftest: diagnostics the test suite drives through /webhook. Never list it
// in MODULES for a real bot: /trap deliberately kills the wasm instance.
#include <cstdlib>
#include <miti/miti.hpp>

namespace {

using miti::CommandContext;
using miti::Task;

// Wasm `unreachable`: the instance is unusable afterwards.
Task<void> trap(CommandContext&) {
  __builtin_trap();
  co_return;
}

Task<void> fail(CommandContext&) {
  throw std::runtime_error("selftest: deliberate failure");
  co_return;
}

// Several awaited KV and D1 steps with the chat id threaded through them, so
// that interleaved requests would notice any cross-talk.
Task<void> interleave(CommandContext& ctx) {
  const std::string chat = std::to_string(ctx.chat().id);
  const std::string key = "chat:" + chat;
  co_await ctx.db().put(key, chat);
  std::optional<miti::SqlRow> row =
      co_await ctx.sql().first("SELECT ? AS chat, ? || '-' || ? AS tag", chat, "tag", chat);
  std::optional<std::string> stored = co_await ctx.db().get(key);
  std::optional<miti::SqlRow> again = co_await ctx.sql().first("SELECT ? AS chat", chat);
  bool consistent = row && again && stored && *stored == chat && row->text("chat") == chat &&
                    row->text("tag") == "tag-" + chat && again->text("chat") == chat;
  co_await ctx.reply(consistent ? "interleave " + chat + " ok" : "interleave " + chat + " MIXED");
}

Task<void> d1echo(CommandContext& ctx) {
  std::optional<miti::SqlRow> row =
      co_await ctx.sql().first("SELECT ? AS echo, 42 AS answer", std::string(ctx.args()));
  co_await ctx.reply(row ? row->text("echo") + " " + std::to_string(row->integer("answer"))
                         : "no row");
}

Task<void> sqlerror(CommandContext& ctx) {
  try {
    co_await ctx.sql().run("SELEC nonsense");
    co_await ctx.reply("sql error: none");
  } catch (const miti::HostError& error) {
    ctx.log().info("selftest: caught", {{"error", error.what()}});
  }
  co_await ctx.reply("sql error caught");
}

// "/many 3": three messages, to check they arrive in order.
Task<void> many(CommandContext& ctx) {
  int count = std::atoi(std::string(ctx.args()).c_str());
  for (int i = 1; i <= count; ++i) co_await ctx.reply("message " + std::to_string(i));
}

}  // namespace

MITI_MODULE(selftest) {
  using miti::Visibility;
  return {
      .name = "selftest",
      .commands =
          {
              {"trap", Visibility::kPrivate, "Trap the wasm instance", trap},
              {"fail", Visibility::kPrivate, "Throw from a handler", fail},
              {"interleave", Visibility::kPrivate, "KV and D1 steps keyed by chat", interleave},
              {"d1echo", Visibility::kPrivate, "Echo through D1", d1echo},
              {"sqlerror", Visibility::kPrivate, "Run invalid SQL", sqlerror},
              {"many", Visibility::kPrivate, "Send n messages", many},
          },
  };
}
