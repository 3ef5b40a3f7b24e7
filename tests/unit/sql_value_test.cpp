// SqlValue, SqlRow and SqlStore: binds of every SQLite type, the 2^53 limit in
// both directions, typed row access, and the ops SqlStore sends to the host.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "miti/context.hpp"
#include "miti/error.hpp"
#include "miti/sql_store.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::Blob;
using miti::Json;
using miti::SqlRow;
using miti::SqlStore;
using miti::SqlValue;
using miti::UsageError;
using miti_test::ok;
using miti_test::run_now;
using miti_test::ScopeHarness;
using miti_test::SubmittedOp;

constexpr std::int64_t k2p53 = std::int64_t{1} << 53;

SqlRow row(std::vector<std::string> columns, std::vector<SqlValue> values) {
  return SqlRow(std::make_shared<const std::vector<std::string>>(std::move(columns)),
                std::move(values));
}

}  // namespace

TEST_CASE("binds of every SQLite type become the JSON D1 expects", "[sql]") {
  auto statement =
      SqlStore::prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", nullptr, true, false,
                        42, std::int64_t{-7}, 2.5, "text", std::string("more"), Blob{0, 1, 255});
  CHECK(statement.query == "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  REQUIRE(statement.binds.size() == 9);
  CHECK(statement.binds[0].is_null());
  CHECK(statement.binds[1].is_integer());  // SQLite has no boolean: 1 and 0
  CHECK(statement.binds[1].as_integer() == 1);
  CHECK(statement.binds[2].as_integer() == 0);
  CHECK(statement.binds[3].as_integer() == 42);
  CHECK(statement.binds[4].as_integer() == -7);
  CHECK(statement.binds[5].is_real());
  CHECK(statement.binds[6].as_text() == "text");
  CHECK(statement.binds[7].as_text() == "more");
  CHECK(statement.binds[8].as_blob() == Blob{0, 1, 255});

  Json json = Json::array();
  for (const SqlValue& value : statement.binds) json.push_back(value.to_json());
  CHECK(json ==
        Json::parse(R"([null, 1, 0, 42, -7, 2.5, "text", "more", {"$blob": [0, 1, 255]}])"));
}

TEST_CASE("an optional bind is its value or NULL", "[sql]") {
  CHECK(SqlValue(std::optional<int>()).is_null());
  CHECK(SqlValue(std::optional<int>(5)).as_integer() == 5);
  CHECK(SqlValue(std::optional<std::string>("x")).as_text() == "x");
}

TEST_CASE("integers beyond +-2^53 are refused with a clear message", "[sql]") {
  // 2^53 itself is exact but ambiguous (2^53 + 1 rounds to it); whether it
  // is accepted is the implementation's call, so only its neighbours are pinned.
  CHECK(SqlValue(k2p53 - 1).as_integer() == k2p53 - 1);
  CHECK(SqlValue(-(k2p53 - 1)).as_integer() == -(k2p53 - 1));
  CHECK_THROWS_AS(SqlValue(k2p53 + 1), UsageError);
  CHECK_THROWS_AS(SqlValue(-k2p53 - 1), UsageError);
  CHECK_THROWS_AS(SqlValue(std::numeric_limits<std::int64_t>::max()), UsageError);
  CHECK_THROWS_AS(SqlValue(std::numeric_limits<std::int64_t>::min()), UsageError);
  CHECK_THROWS_AS(SqlValue(std::numeric_limits<std::uint64_t>::max()), UsageError);
  CHECK_THROWS_WITH(SqlValue(k2p53 + 2), Contains("2^53") && Contains("TEXT"));
  // prepare() applies the same rule.
  CHECK_THROWS_AS(SqlStore::prepare("SELECT ?", k2p53 + 1), UsageError);
  CHECK_NOTHROW(SqlValue(std::uint32_t{4'000'000'000u}));
}

TEST_CASE("non-finite reals are refused", "[sql]") {
  CHECK_THROWS_AS(SqlValue(std::numeric_limits<double>::quiet_NaN()), UsageError);
  CHECK_THROWS_AS(SqlValue(std::numeric_limits<double>::infinity()), UsageError);
  CHECK_THROWS_AS(SqlValue(-std::numeric_limits<double>::infinity()), UsageError);
}

TEST_CASE("from_json reads what D1 returns", "[sql]") {
  CHECK(SqlValue::from_json(nullptr).is_null());
  CHECK(SqlValue::from_json(true).as_integer() == 1);
  CHECK(SqlValue::from_json(-12).as_integer() == -12);
  CHECK(SqlValue::from_json(Json::parse("9007199254740991")).as_integer() == k2p53 - 1);
  CHECK(SqlValue::from_json(Json::parse("9007199254740991.0")).as_integer() == k2p53 - 1);
  CHECK(SqlValue::from_json(1.25).as_real() == 1.25);
  CHECK(SqlValue::from_json(3.0).as_integer() == 3);  // D1's whole doubles read as integers
  CHECK(SqlValue::from_json("hi").as_text() == "hi");
  CHECK(SqlValue::from_json(Json::parse("[1, 2, 3]")).as_blob() == Blob{1, 2, 3});
  CHECK(SqlValue::from_json(Json::parse(R"({"$blob": [9]})")).as_blob() == Blob{9});
}

TEST_CASE("from_json refuses numbers that were rounded past 2^53", "[sql]") {
  // JSON text as an integer literal...
  CHECK_THROWS_WITH(SqlValue::from_json(Json::parse("9007199254740994")), Contains("2^53"));
  CHECK_THROWS_AS(SqlValue::from_json(Json::parse("-9007199254740994")), UsageError);
  CHECK_THROWS_AS(SqlValue::from_json(Json::parse("18446744073709551615")), UsageError);
  // ...and as a double, the way JSON.stringify may print it.
  CHECK_THROWS_WITH(SqlValue::from_json(Json::parse("9007199254740994.0")), Contains("2^53"));
  CHECK_THROWS_AS(SqlValue::from_json(Json::parse("1e300")), UsageError);
  // Non-integral reals of any size are just reals.
  CHECK(SqlValue::from_json(Json::parse("0.1")).is_real());
}

TEST_CASE("from_json refuses objects it cannot represent", "[sql]") {
  CHECK_THROWS_WITH(SqlValue::from_json(Json::parse(R"({"a": 1})")), Contains("cannot represent"));
}

TEST_CASE("typed access checks the type and says what it got", "[sql]") {
  CHECK_THROWS_WITH(SqlValue("x").as_integer(), "expected an INTEGER, got TEXT");
  CHECK_THROWS_WITH(SqlValue(2.5).as_integer(), "expected an INTEGER, got REAL");
  CHECK_THROWS_WITH(SqlValue(nullptr).as_text(), "expected TEXT, got NULL");
  CHECK_THROWS_WITH(SqlValue(1).as_blob(), "expected a BLOB, got INTEGER");
  CHECK_THROWS_WITH(SqlValue(Blob{}).as_real(), "expected a REAL, got BLOB");
  CHECK(SqlValue(4).as_real() == 4.0);  // an INTEGER reads as a REAL
}

TEST_CASE("rows give typed values by column name", "[sql]") {
  SqlRow r = row({"id", "name", "score", "data", "note"},
                 {SqlValue(7), SqlValue("ada"), SqlValue(9.5), SqlValue(Blob{1}), SqlValue()});
  CHECK(r.size() == 5);
  CHECK(r.columns()[1] == "name");
  CHECK(r.integer("id") == 7);
  CHECK(r.text("name") == "ada");
  CHECK(r.real("score") == 9.5);
  CHECK(r.blob("data") == Blob{1});
  CHECK(r.is_null("note"));
  CHECK(r.has("name"));
  CHECK_FALSE(r.has("Name"));
  CHECK(r.at(0).as_integer() == 7);
  CHECK_THROWS_WITH(r["missing"], "the row has no column 'missing'");
  CHECK_THROWS_WITH(r.integer("nope"), Contains("'nope'"));
  CHECK_THROWS_AS(r.text("id"), UsageError);
  CHECK(r.to_json() == Json::parse(R"({"id": 7, "name": "ada", "score": 9.5,
                                        "data": {"$blob": [1]}, "note": null})"));
}

// --- SqlStore against the scripted host ---------------------------------------

namespace {

struct SqlHarness : ScopeHarness {
  SqlHarness() : ScopeHarness(miti_test::make_env({}, {"DB"})), sql(scope, "notes") {}
  SqlStore sql;
};

}  // namespace

TEST_CASE("run sends d1.run with its binds and reads changes and last_row_id", "[sql]") {
  SqlHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok({{"meta", {{"changes", 2}, {"last_row_id", 11}}}});
  };
  miti::SqlRunResult result =
      run_now(h.sql.run("UPDATE notes_notes SET body = ? WHERE id = ?", "x", 3));
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].op == Json{{"op", "d1.run"},
                                 {"sql", "UPDATE notes_notes SET body = ? WHERE id = ?"},
                                 {"params", {"x", 3}}});
  CHECK(result.changes == 2);
  CHECK(result.last_row_id == 11);
}

TEST_CASE("run reads the meta the JS shim actually sends for d1.run", "[sql]") {
  // js-shim/host_ops.mjs answers d1.run with the meta object itself,
  // {"changes": n, "last_row_id": id}, not nested under "meta".
  SqlHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok({{"changes", 1}, {"last_row_id", 5}});
  };
  miti::SqlRunResult result = run_now(h.sql.run("INSERT INTO notes_notes (body) VALUES (?)", "x"));
  CHECK(result.changes == 1);
  CHECK(result.last_row_id == 5);
}

TEST_CASE("all and first build rows from columns and rows", "[sql]") {
  SqlHarness h;
  Json answer = {{"columns", {"id", "body"}}, {"rows", {{1, "a"}, {2, "b"}}}};
  h.host.auto_reply = [&](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok(answer);
  };
  std::vector<SqlRow> rows = run_now(h.sql.all("SELECT id, body FROM notes_notes"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].integer("id") == 2);
  CHECK(rows[1].text("body") == "b");
  CHECK(h.host.ops[0].op.at("op") == "d1.all");
  CHECK(h.host.ops[0].op.at("params") == Json::array());

  std::optional<SqlRow> first = run_now(h.sql.first("SELECT id, body FROM notes_notes"));
  REQUIRE(first);
  CHECK(first->text("body") == "a");
  CHECK(h.host.ops[1].op.at("op") == "d1.first");

  answer = {{"columns", Json::array()}, {"rows", Json::array()}};
  CHECK_FALSE(run_now(h.sql.first("SELECT 1 WHERE 0")));
}

TEST_CASE("a result past 2^53 fails the query instead of rounding", "[sql]") {
  SqlHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return miti_test::Reply{true, R"({"columns": ["n"], "rows": [[9007199254740994]]})"};
  };
  CHECK_THROWS_WITH(run_now(h.sql.all("SELECT n FROM t")), Contains("2^53"));
}

TEST_CASE("batch sends every statement in one op and reads each result", "[sql]") {
  SqlHarness h;
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok(Json::parse(R"([
      {"columns": [], "rows": [], "meta": {"changes": 1, "last_row_id": 4}},
      {"columns": ["c"], "rows": [[3]], "meta": {"changes": 0, "last_row_id": 0}}])"));
  };
  std::vector<miti::SqlStatement> statements = {
      SqlStore::prepare("INSERT INTO notes_notes (body) VALUES (?)", "a"),
      SqlStore::prepare("SELECT count(*) AS c FROM notes_notes"),
  };
  auto results = run_now(h.sql.batch(std::move(statements)));
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].op.at("op") == "d1.batch");
  REQUIRE(h.host.ops[0].op.at("statements").size() == 2);
  CHECK(h.host.ops[0].op.at("statements")[0] ==
        Json{{"sql", "INSERT INTO notes_notes (body) VALUES (?)"}, {"params", {"a"}}});
  REQUIRE(results.size() == 2);
  CHECK(results[0].meta.last_row_id == 4);
  CHECK(results[1].rows.at(0).integer("c") == 3);
}

TEST_CASE("an empty batch sends nothing", "[sql]") {
  SqlHarness h;
  CHECK(run_now(h.sql.batch({})).empty());
  CHECK(h.host.ops.empty());
}

TEST_CASE("statements are checked before anything is sent", "[sql]") {
  SqlHarness h;
  SECTION("more than 100 binds") {
    miti::SqlStatement statement{"SELECT 1", std::vector<SqlValue>(101, SqlValue(1))};
    CHECK_THROWS_WITH(run_now(h.sql.all(std::move(statement))), Contains("101") && Contains("100"));
    CHECK(h.host.ops.empty());
  }
  SECTION("100 binds are fine") {
    h.host.auto_reply = [](const SubmittedOp&) -> std::optional<miti_test::Reply> {
      return ok({{"columns", Json::array()}, {"rows", Json::array()}});
    };
    miti::SqlStatement statement{"SELECT 1", std::vector<SqlValue>(100, SqlValue(1))};
    CHECK(run_now(h.sql.all(std::move(statement))).empty());
    CHECK(h.host.ops.size() == 1);
  }
  SECTION("an empty query") {
    CHECK_THROWS_AS(run_now(h.sql.run(miti::SqlStatement{})), UsageError);
    CHECK(h.host.ops.empty());
  }
  SECTION("one bad statement in a batch") {
    CHECK_THROWS_AS(run_now(h.sql.batch({SqlStore::prepare("SELECT 1"), miti::SqlStatement{}})),
                    UsageError);
    CHECK(h.host.ops.empty());
  }
}

TEST_CASE("without a DB binding: absent store, clear error, no op", "[sql]") {
  ScopeHarness h(miti_test::make_env({}, {"KV"}));
  SECTION("SqlStore refuses every call") {
    SqlStore sql(h.scope, "notes");
    CHECK_THROWS_AS(run_now(sql.all("SELECT 1")), miti::MissingBindingError);
  }
  SECTION("the module context says so and throws a clear error") {
    miti::BotApi api(h.scope, false);
    miti::ModuleContext ctx(h.scope, "notes", api);
    CHECK_FALSE(ctx.has_sql());
    CHECK_THROWS_WITH(ctx.sql(), Contains("DB binding"));
  }
  CHECK(h.host.ops.empty());
}

TEST_CASE("table_prefix is the module name and an underscore", "[sql]") {
  ScopeHarness h;
  CHECK(SqlStore(h.scope, "trading").table_prefix() == "trading_");
  miti::BotApi api(h.scope, false);
  miti::ModuleContext ctx(h.scope, "notes", api);
  REQUIRE(ctx.has_sql());
  CHECK(ctx.sql().table_prefix() == "notes_");
  CHECK(&ctx.sql() == &ctx.sql());  // built once, on first use
}
