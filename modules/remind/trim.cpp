#include "remind/trim.hpp"

#include <miti/miti.hpp>

#include "remind/config.hpp"
#include "remind/queries.hpp"

namespace remind {

// Chunks of kTrimChunkRows, at most kMaxTrimStatements per run: whatever is
// left (only after a day with more deliveries than 40,000) goes the next day.
miti::Task<void> trim_old(const miti::CronEvent& event, miti::ModuleContext& ctx) {
  if (!ctx.has_sql()) co_return;
  const std::int64_t cutoff = event.scheduled_time_ms - kKeepFinishedMs;
  std::int64_t deleted = 0;
  int statements = 0;
  bool more = true;
  while (more && statements < kMaxTrimStatements) {
    miti::SqlRunResult chunk =
        co_await ctx.sql().run(queries::trim_finished(cutoff, kTrimChunkRows));
    ++statements;
    deleted += chunk.changes;
    more = chunk.changes >= kTrimChunkRows;
  }
  if (deleted > 0 || more) {
    ctx.log().info("remind: trim",
                   {{"deleted", deleted}, {"statements", statements}, {"more", more}});
  }
}

}  // namespace remind
