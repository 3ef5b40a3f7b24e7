// sqlprobe: drives every SqlStore call from a Telegram command so the Worker
// tests can check them end to end against real D1 (tests/worker/sql_store.test.mjs).
// Test-only: never list it in MODULES for a real bot. It has no migration on
// purpose (its table must not reach production databases): "/probe reset"
// creates sqlprobe_items.
//
//   /probe <case> [args]   ->  a JSON reply: the case's result, or {"error", "type"}
#include <miti/miti.hpp>

namespace {

using miti::CommandContext;
using miti::Json;
using miti::SqlStore;
using miti::Task;

Json meta_json(const miti::SqlRunResult& meta) {
  return {{"changes", meta.changes}, {"last_row_id", meta.last_row_id}};
}

Json rows_json(const std::vector<miti::SqlRow>& rows) {
  Json list = Json::array();
  for (const auto& row : rows) list.push_back(row.to_json());
  return list;
}

std::string arg(const std::vector<std::string>& args, std::size_t index,
                const std::string& fallback) {
  return index < args.size() ? args[index] : fallback;
}

// A statement binding n parameters, each 1: "SELECT ?+?+...+? AS total".
miti::SqlStatement sum_of_ones(std::size_t n) {
  miti::SqlStatement statement{"SELECT ", {}};
  for (std::size_t i = 0; i < n; ++i) {
    statement.query += i == 0 ? "?" : "+?";
    statement.binds.emplace_back(1);
  }
  statement.query += " AS total";
  return statement;
}

Task<Json> probe(CommandContext& ctx, const std::string& name,
                 const std::vector<std::string>& args) {
  if (name == "has") co_return Json{{"has_sql", ctx.has_sql()}};
  SqlStore& sql = ctx.sql();  // throws MissingBindingError without DB

  if (name == "prefix") co_return Json{{"prefix", sql.table_prefix()}};
  if (name == "reset") {
    // One batch: the table is either recreated or left as it was.
    std::vector<miti::SqlStatement> statements;
    statements.push_back(SqlStore::prepare("DROP TABLE IF EXISTS sqlprobe_items"));
    statements.push_back(
        SqlStore::prepare("CREATE TABLE sqlprobe_items (id INTEGER PRIMARY KEY, name TEXT NOT "
                          "NULL UNIQUE, qty INTEGER, price REAL, data BLOB)"));
    auto results = co_await sql.batch(std::move(statements));
    co_return Json{{"statements", results.size()}};
  }
  if (name == "insert") {  // insert <name> [qty]
    auto result = co_await sql.run("INSERT INTO sqlprobe_items (name, qty, price) VALUES (?, ?, ?)",
                                   arg(args, 0, "item"),
                                   static_cast<std::int64_t>(std::stoll(arg(args, 1, "1"))), 2.5);
    co_return meta_json(result);
  }
  if (name == "all") {
    auto rows = co_await sql.all("SELECT id, name, qty, price FROM sqlprobe_items ORDER BY id");
    co_return Json{{"rows", rows_json(rows)}};
  }
  if (name == "first") {  // first <name>
    auto row = co_await sql.first("SELECT id, name, qty FROM sqlprobe_items WHERE name = ?",
                                  arg(args, 0, ""));
    if (!row) co_return Json{{"row", nullptr}};
    // Typed access by column, next to the JSON form.
    co_return Json{{"row", row->to_json()},
                   {"typed", {{"id", row->integer("id")}, {"name", row->text("name")}}}};
  }
  if (name == "update") {  // update <qty>: every row
    auto result = co_await sql.run("UPDATE sqlprobe_items SET qty = ?",
                                   static_cast<std::int64_t>(std::stoll(arg(args, 0, "0"))));
    co_return meta_json(result);
  }
  if (name == "batch") {  // two inserts and a read, one round trip
    std::vector<miti::SqlStatement> statements;
    statements.push_back(
        SqlStore::prepare("INSERT INTO sqlprobe_items (name, qty) VALUES (?, ?)", "b1", 1));
    statements.push_back(
        SqlStore::prepare("INSERT INTO sqlprobe_items (name, qty) VALUES (?, ?)", "b2", 2));
    statements.push_back(SqlStore::prepare(
        "SELECT name, qty FROM sqlprobe_items WHERE name LIKE ? ORDER BY name", "b%"));
    auto results = co_await sql.batch(std::move(statements));
    Json out = Json::array();
    for (const auto& result : results) {
      out.push_back({{"rows", rows_json(result.rows)}, {"meta", meta_json(result.meta)}});
    }
    co_return Json{{"results", out}};
  }
  if (name == "atomic") {  // a good insert, then a UNIQUE violation: neither applies
    std::vector<miti::SqlStatement> statements;
    statements.push_back(
        SqlStore::prepare("INSERT INTO sqlprobe_items (name, qty) VALUES (?, ?)", "atomic_ok", 1));
    statements.push_back(
        SqlStore::prepare("INSERT INTO sqlprobe_items (name, qty) VALUES (?, ?)", "dup", 1));
    statements.push_back(
        SqlStore::prepare("INSERT INTO sqlprobe_items (name, qty) VALUES (?, ?)", "dup", 2));
    co_await sql.batch(std::move(statements));
    co_return Json{{"applied", true}};
  }
  if (name == "types") {  // every value type, bound and read back
    miti::Blob bytes = {0, 1, 2, 127, 128, 255, 0};
    auto row = co_await sql.first(
        "SELECT ? AS n, ? AS r, ? AS i, ? AS t, ? AS b, ? AS yes, ? AS no, ? AS safe, ? AS neg, "
        "typeof(?) AS btype",
        nullptr, 2.25, std::int64_t{-42}, "h\u00e9llo \"q\" <&>", bytes, true, false,
        std::int64_t{9007199254740991}, std::int64_t{-9007199254740991}, bytes);
    co_return Json{{"json", row->to_json()},
                   {"typed",
                    {{"n_is_null", row->is_null("n")},
                     {"r", row->real("r")},
                     {"i", row->integer("i")},
                     {"t", row->text("t")},
                     {"b", row->blob("b")},
                     {"b_is_blob", row->operator[]("b").is_blob()},
                     {"yes", row->integer("yes")},
                     {"no", row->integer("no")},
                     {"safe", row->integer("safe")},
                     {"neg", row->integer("neg")},
                     {"btype", row->text("btype")}}}};
  }
  if (name == "blobstore") {  // a blob stored in a table and read back
    miti::Blob bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<std::uint8_t>(i));
    co_await sql.run("INSERT INTO sqlprobe_items (name, data) VALUES (?, ?)", "blob", bytes);
    auto row = co_await sql.first(
        "SELECT data, length(data) AS len FROM sqlprobe_items WHERE "
        "name = 'blob'");
    co_return Json{{"len", row->integer("len")}, {"equal", row->blob("data") == bytes}};
  }
  if (name == "nulls") {  // NULL stored and read back; a typed read of NULL is refused
    co_await sql.run("INSERT INTO sqlprobe_items (name, qty, price) VALUES (?, ?, ?)", "nulls",
                     nullptr, std::optional<double>{});
    auto row = co_await sql.first("SELECT qty, price FROM sqlprobe_items WHERE name = 'nulls'");
    std::string typed_error;
    try {
      (void)row->integer("qty");
    } catch (const miti::UsageError& error) {
      typed_error = error.what();
    }
    co_return Json{{"qty_null", row->is_null("qty")},
                   {"price_null", row->is_null("price")},
                   {"typed_error", typed_error}};
  }
  if (name == "reals") {
    co_await sql.run("INSERT INTO sqlprobe_items (name, price) VALUES (?, ?)", "real", 0.1 + 0.2);
    auto row = co_await sql.first(
        "SELECT price, typeof(price) AS type, price * 2 AS twice FROM sqlprobe_items WHERE name "
        "= 'real'");
    co_return Json{
        {"price", row->real("price")}, {"type", row->text("type")}, {"twice", row->real("twice")}};
  }
  if (name == "bigbind") {  // binds 2^53 + 1: refused before any D1 call
    co_await sql.run("SELECT ?", std::int64_t{9007199254740993});
    co_return Json{{"sent", true}};
  }
  if (name == "bigread") {  // D1 holds an integer its doubles cannot carry
    auto row = co_await sql.first("SELECT " + arg(args, 0, "9007199254740993") + " AS big");
    co_return Json{{"big", row->integer("big")}};
  }
  if (name == "params") {  // params <n>: a statement binding n parameters
    auto row = co_await sql.first(sum_of_ones(std::stoul(arg(args, 0, "100"))));
    co_return Json{{"total", row->integer("total")}};
  }
  if (name == "syntax") {
    co_await sql.run("SELEC 1");
    co_return Json{{"ran", true}};
  }
  if (name == "constraint") {
    co_await sql.run("INSERT INTO sqlprobe_items (name) VALUES (?)", "same");
    co_await sql.run("INSERT INTO sqlprobe_items (name) VALUES (?)", "same");
    co_return Json{{"ran", true}};
  }
  if (name == "notnull") {
    co_await sql.run("INSERT INTO sqlprobe_items (name) VALUES (NULL)");
    co_return Json{{"ran", true}};
  }
  if (name == "missingcol") {  // a column the row does not have
    auto row = co_await sql.first("SELECT 1 AS one");
    co_return Json{{"value", row->integer("two")}};
  }
  if (name == "uncaught") {  // lets the error escape to the dispatcher
    throw std::runtime_error("never reached");
  }
  co_return Json{{"error", "unknown probe '" + name + "'"}, {"type", "unknown"}};
}

// "/probe <case> [args]": the case's JSON, or the error it ended with.
Task<void> probe_command(CommandContext& ctx) {
  std::vector<std::string> args = miti::split_words(ctx.args());
  std::string name = args.empty() ? "" : args.front();
  if (!args.empty()) args.erase(args.begin());
  Json answer;
  if (name == "uncaught_sql") {
    // No try: the dispatcher logs what escapes.
    co_await ctx.sql().run("SELEC uncaught");
  }
  try {
    answer = co_await probe(ctx, name, args);
  } catch (const miti::MissingBindingError& error) {
    answer = {{"error", error.what()}, {"type", "MissingBindingError"}};
  } catch (const miti::HostError& error) {
    answer = {{"error", error.what()}, {"type", "HostError"}};
  } catch (const miti::UsageError& error) {
    answer = {{"error", error.what()}, {"type", "UsageError"}};
  }
  co_await ctx.reply(answer.dump());
}

// Shares selftest's schedule, spelled differently, for the fan-out tests.
Task<void> probe_tick(const miti::CronEvent& event, miti::ModuleContext& ctx) {
  co_await ctx.db().put("cron:tick", std::string(event.cron));
}

}  // namespace

MITI_MODULE(sqlprobe) {
  using miti::Visibility;
  return {
      // A diagnostic: no delivery record, so the tests count only its own D1 calls.
      .commands = {{.name = "probe",
                    .visibility = Visibility::kPrivate,
                    .description = "Exercise the SqlStore (tests only)",
                    .handler = probe_command,
                    .read_only = true}},
      .crons = {{"tick", "0-55/5  *  * * *", probe_tick}},
  };
}
