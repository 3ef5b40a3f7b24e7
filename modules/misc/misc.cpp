// misc: liveness and a tiny KV example.
#include <miti/miti.hpp>

namespace {

using miti::CommandContext;
using miti::Task;

constexpr const char* kLastPingKey = "last_ping";

// Records the time best-effort: the answer matters more than the bookkeeping.
Task<void> ping(CommandContext& ctx) {
  try {
    miti::Json record = {{"at", miti::iso8601_utc(ctx.now_ms())}};
    co_await ctx.db().put_json(kLastPingKey, record);
  } catch (const std::exception& error) {
    ctx.log().warn("misc: could not record the ping", {{"error", error.what()}});
  }
  co_await ctx.reply("pong");
}

Task<void> mstats(CommandContext& ctx) {
  std::optional<miti::Json> last = co_await ctx.db().get_json(kLastPingKey);
  std::string at = "never";
  if (last && last->is_object() && last->contains("at") && last->at("at").is_string()) {
    at = last->at("at").get<std::string>();
  }
  co_await ctx.reply("last ping: " + at);
}

Task<void> fortytwo(CommandContext& ctx) {
  co_await ctx.reply("The answer.");
}

}  // namespace

MITI_MODULE(misc) {
  using miti::Visibility;
  return {
      .commands =
          {
              // Read-only, or (/ping) harmless to repeat: a re-delivered
              // update may run them again, so they skip the delivery record.
              {.name = "ping",
               .description = "Check that the bot is alive",
               .handler = ping,
               .read_only = true},
              {.name = "mstats",
               .visibility = Visibility::kProtected,
               .description = "When the bot was last pinged",
               .handler = mstats,
               .read_only = true},
              {.name = "fortytwo",
               .visibility = Visibility::kPrivate,
               .description = "The answer",
               .handler = fortytwo,
               .read_only = true},
          },
  };
}
