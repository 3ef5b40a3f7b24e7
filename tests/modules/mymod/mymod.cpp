// mymod: the smallest module that needs D1. Its migration creates mymod_foo;
// init inserts "x" once per registry build; /foocount shows what is there.
// It exists to prove the whole path (migration -> init -> command) in the
// tests, in `wrangler dev` and in the deployed bundle.
#include <miti/miti.hpp>

namespace {

using miti::CommandContext;
using miti::ModuleContext;
using miti::Task;

Task<void> init(ModuleContext& ctx) {
  // Re-runs are harmless: the table ignores a duplicate value (see the migration).
  co_await ctx.sql().run("INSERT INTO mymod_foo VALUES (?)", "x");
}

Task<void> foocount(CommandContext& ctx) {
  std::optional<miti::SqlRow> row =
      co_await ctx.sql().first("SELECT count(*) AS n, group_concat(value) AS vals FROM mymod_foo");
  std::string values = row && !row->is_null("vals") ? row->text("vals") : "";
  co_await ctx.reply("mymod_foo rows: " + std::to_string(row ? row->integer("n") : 0) +
                     (values.empty() ? "" : " (" + values + ")"));
}

}  // namespace

MITI_MODULE(mymod) {
  using miti::Visibility;
  return {
      .commands = {{"foocount", Visibility::kPrivate, "Count the rows of mymod_foo", foocount}},
      .init = init,
  };
}
