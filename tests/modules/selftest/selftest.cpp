// selftest: diagnostics the test suite drives through /webhook. Never list it
// in MODULES for a real bot: /trap deliberately kills the wasm instance.
#include <algorithm>
#include <cstdlib>
#include <miti/miti.hpp>
#include <stdexcept>
#include <string>
#include <vector>

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

// One reply: "sql error caught", or "sql error: none" if the bad SQL ran.
// (co_await is not allowed inside a catch, so the catch only picks the answer.)
Task<void> sqlerror(CommandContext& ctx) {
  std::string answer = "sql error: none";
  try {
    co_await ctx.sql().run("SELEC nonsense");
  } catch (const miti::HostError& error) {
    ctx.log().info("selftest: caught", {{"error", error.what()}});
    answer = "sql error caught";
  }
  co_await ctx.reply(std::move(answer));
}

// "/many 3": three messages, to check they arrive in order.
Task<void> many(CommandContext& ctx) {
  int count = std::atoi(std::string(ctx.args()).c_str());
  for (int i = 1; i <= count; ++i) co_await ctx.reply("message " + std::to_string(i));
}

// The word at `index` of the split arguments as an int (atoi: 0 when it is
// not a number), or `fallback` when there are fewer words.
int number(const std::vector<std::string>& args, std::size_t index, int fallback) {
  return index < args.size() ? std::atoi(args[index].c_str()) : fallback;
}

// "/kvfill <prefix> <from> <count>": writes keys <prefix>000000.. (value "v").
Task<void> kvfill(CommandContext& ctx) {
  std::vector<std::string> args = miti::split_words(ctx.args());
  std::string prefix = args.empty() ? "fill:" : args[0];
  int from = number(args, 1, 0);
  int count = number(args, 2, 0);
  for (int i = from; i < from + count; ++i) {
    std::string digits = std::to_string(i);
    if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
    co_await ctx.db().put(prefix + digits, "v");
  }
  co_await ctx.reply("filled " + std::to_string(count));
}

// "/kvcount [prefix]": pages through every key under the prefix.
Task<void> kvcount(CommandContext& ctx) {
  std::vector<std::string> args = miti::split_words(ctx.args());
  miti::KvListOptions options;
  options.prefix = args.empty() ? "" : args[0];
  std::size_t count = 0, pages = 0, largest = 0;
  bool prefixed = true;
  std::string last;
  bool ordered = true;
  for (;;) {
    miti::KvListResult page = co_await ctx.db().list(options);
    ++pages;
    count += page.keys.size();
    largest = std::max(largest, page.keys.size());
    for (const std::string& key : page.keys) {
      if (!key.starts_with(options.prefix)) prefixed = false;
      if (!last.empty() && key <= last) ordered = false;
      last = key;
    }
    if (page.done) break;
    options.cursor = page.cursor;
    if (pages > 100) break;  // a runaway cursor must not hang the test
  }
  co_await ctx.reply("count " + std::to_string(count) + " pages " + std::to_string(pages) +
                     " largest " + std::to_string(largest) +
                     (prefixed ? " prefixed" : " UNPREFIXED") +
                     (ordered ? " ordered" : " UNORDERED"));
}

// "/kvkeys [prefix]": the module's keys as list() returns them.
Task<void> kvkeys(CommandContext& ctx) {
  std::vector<std::string> args = miti::split_words(ctx.args());
  miti::KvListOptions options;
  options.prefix = args.empty() ? "" : args[0];
  miti::KvListResult page = co_await ctx.db().list(options);
  std::string text = "keys:";
  for (const std::string& key : page.keys) text += " " + key;
  if (page.keys.empty()) text += " none";
  co_await ctx.reply(text);
}

// "/kvput <key> <value> [ttl]": one put; a refused put is answered with its error.
Task<void> kvput(CommandContext& ctx) {
  std::vector<std::string> args = miti::split_words(ctx.args());
  std::string key = args.size() > 0 ? args[0] : "";
  std::string value = args.size() > 1 ? args[1] : "v";
  std::optional<int> ttl;
  if (args.size() > 2) ttl = std::atoi(args[2].c_str());
  std::string answer;
  try {
    co_await ctx.db().put(key, value, ttl);
    answer = "put ok";
  } catch (const miti::UsageError& error) {
    answer = std::string("usage error: ") + error.what();
  }
  co_await ctx.reply(answer);
}

// "/kvlongkey <bytes>": a put whose key is that many bytes before prefixing.
Task<void> kvlongkey(CommandContext& ctx) {
  int bytes = std::atoi(std::string(ctx.args()).c_str());
  std::string answer;
  try {
    co_await ctx.db().put(std::string(static_cast<std::size_t>(std::max(bytes, 1)), 'k'), "v");
    answer = "put ok";
  } catch (const miti::UsageError& error) {
    answer = std::string("usage error: ") + error.what();
  }
  co_await ctx.reply(answer);
}

// "/kvget <key>": the value, or "missing".
Task<void> kvget(CommandContext& ctx) {
  std::optional<std::string> value = co_await ctx.db().get(std::string(ctx.args()));
  co_await ctx.reply(value ? "value: " + *value : "missing");
}

// "/kvdel <key>".
Task<void> kvdel(CommandContext& ctx) {
  co_await ctx.db().remove(std::string(ctx.args()));
  co_await ctx.reply("deleted");
}

// "/hold": logs {"msg": "selftest: holding", "chat"}, then makes a Bot API
// call "selftestHold" that the test's fake Bot API answers whenever it likes,
// so a test can keep requests in flight (on a real pending subrequest).
Task<void> hold(CommandContext& ctx) {
  const std::string chat = std::to_string(ctx.chat().id);
  ctx.log().info("selftest: holding", {{"chat", chat}});
  miti::Json params = miti::Json::object();
  params["chat_id"] = ctx.chat().id;
  co_await ctx.api().call("selftestHold", std::move(params));
  co_await ctx.reply("released " + chat);
}

// With SELFTEST_INIT_KV=<n> (n >= 1) the module's init reads KV n times and
// counts its runs in KV ("init_runs"), so the registry build suspends on real
// I/O for a while and concurrent first requests have to wait for it.
Task<void> init(miti::ModuleContext& ctx) {
  int reads = std::atoi(std::string(ctx.env().var_or("SELFTEST_INIT_KV", "0")).c_str());
  if (reads < 1) co_return;
  std::optional<std::string> runs;
  for (int i = 0; i < reads; ++i) runs = co_await ctx.db().get("init_runs");
  int count = runs ? std::atoi(runs->c_str()) : 0;
  co_await ctx.db().put("init_runs", std::to_string(count + 1));
}

// Crons for the scheduled-dispatch tests: one records its run in KV and
// reports through the Bot API (there is no webhook to reply to), one fails.
Task<void> tick(const miti::CronEvent& event, miti::ModuleContext& ctx) {
  miti::Json record = {{"cron", event.cron}, {"at", miti::iso8601_utc(event.scheduled_time_ms)}};
  co_await ctx.db().put_json("cron:tick", std::move(record));
  miti::Json message = {{"chat_id", 1}, {"text", "tick " + std::string(event.cron)}};
  co_await ctx.api().call("sendMessage", std::move(message));
}

Task<void> boom(const miti::CronEvent&, miti::ModuleContext&) {
  throw std::runtime_error("selftest: deliberate cron failure");
  co_return;
}

}  // namespace

// Diagnostics for the test suite: every command is read_only, so no delivery
// record (and no D1 call) is added to what a test observes.
MITI_MODULE(selftest) {
  using miti::Visibility;
  return {
      .commands =
          {
              {.name = "trap",
               .visibility = Visibility::kPrivate,
               .description = "Trap the wasm instance",
               .handler = trap,
               .read_only = true},
              {.name = "fail",
               .visibility = Visibility::kPrivate,
               .description = "Throw from a handler",
               .handler = fail,
               .read_only = true},
              {.name = "interleave",
               .visibility = Visibility::kPrivate,
               .description = "KV and D1 steps keyed by chat",
               .handler = interleave,
               .read_only = true},
              {.name = "d1echo",
               .visibility = Visibility::kPrivate,
               .description = "Echo through D1",
               .handler = d1echo,
               .read_only = true},
              {.name = "sqlerror",
               .visibility = Visibility::kPrivate,
               .description = "Run invalid SQL",
               .handler = sqlerror,
               .read_only = true},
              {.name = "many",
               .visibility = Visibility::kPrivate,
               .description = "Send n messages",
               .handler = many,
               .read_only = true},
              {.name = "kvfill",
               .visibility = Visibility::kPrivate,
               .description = "Write numbered KV keys",
               .handler = kvfill,
               .read_only = true},
              {.name = "kvcount",
               .visibility = Visibility::kPrivate,
               .description = "Page through KV keys",
               .handler = kvcount,
               .read_only = true},
              {.name = "kvkeys",
               .visibility = Visibility::kPrivate,
               .description = "List one page of KV keys",
               .handler = kvkeys,
               .read_only = true},
              {.name = "kvput",
               .visibility = Visibility::kPrivate,
               .description = "Put one KV key",
               .handler = kvput,
               .read_only = true},
              {.name = "kvlongkey",
               .visibility = Visibility::kPrivate,
               .description = "Put a KV key of n bytes",
               .handler = kvlongkey,
               .read_only = true},
              {.name = "kvget",
               .visibility = Visibility::kPrivate,
               .description = "Get one KV key",
               .handler = kvget,
               .read_only = true},
              {.name = "kvdel",
               .visibility = Visibility::kPrivate,
               .description = "Delete one KV key",
               .handler = kvdel,
               .read_only = true},
              {.name = "hold",
               .visibility = Visibility::kPrivate,
               .description = "Wait in flight until released",
               .handler = hold,
               .read_only = true},
          },
      .init = init,
      .crons =
          {
              {"tick", "*/5 * * * *", tick},
              {"boom", "*/5 * * * *", boom},
          },
  };
}
