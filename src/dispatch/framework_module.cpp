// The framework's own module, "miti": /cancel (when some module declares
// conversation steps) and the daily trim of the framework's tables.
#include <miti/miti.hpp>

#include "dispatch/conversations.hpp"
#include "dispatch/delivery.hpp"
#include "registry/registry.hpp"

namespace miti::registry {

namespace {

constexpr std::int64_t kTrimChunkRows = 1000;
constexpr int kMaxTrimStatements = 20;

Task<void> cancel(Context& ctx) {
  const Sender sender = ctx.sender();
  bool ended = false;
  if (ctx.has_sql() && sender) {
    SqlRunResult result =
        co_await ctx.sql().run(dispatch::end_conversation(ctx.chat().id, sender.id, {}));
    ended = result.changes > 0;
  }
  co_await ctx.reply(ended ? "Cancelled." : "Nothing to cancel.");
}

// Delivery records older than two days (Telegram re-sends for 24 hours at
// most) and expired questions, in bounded chunks.
Task<void> trim(const CronEvent& event, ModuleContext& ctx) {
  if (!ctx.has_sql()) co_return;
  SqlChunkedRun updates = co_await ctx.sql().run_in_chunks(
      dispatch::trim_updates(event.scheduled_time_ms - dispatch::kDeliveryKeepMs, kTrimChunkRows),
      kTrimChunkRows, kMaxTrimStatements);
  SqlChunkedRun conversations = co_await ctx.sql().run_in_chunks(
      dispatch::trim_conversations(event.scheduled_time_ms, kTrimChunkRows), kTrimChunkRows,
      kMaxTrimStatements);
  if (updates.changes > 0 || conversations.changes > 0 || updates.more || conversations.more) {
    ctx.log().info("miti: trim", {{"updates", updates.changes},
                                  {"conversations", conversations.changes},
                                  {"more", updates.more || conversations.more}});
  }
}

}  // namespace

ModuleDefinition framework_module(bool with_conversations) {
  ModuleDefinition module{.name = kFrameworkModule};
  if (with_conversations) {
    module.commands.push_back(
        Command{"cancel", Visibility::kPublic, "Cancel the question the bot asked", cancel});
  }
  module.crons.push_back(Cron{"trim", "17 3 * * *", trim});
  return module;
}

}  // namespace miti::registry
