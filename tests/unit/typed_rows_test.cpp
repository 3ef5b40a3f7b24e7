// Typed rows: a MITI_FIELDS struct read from a D1 row (SqlRow::as<T>, and
// SqlStore's all<T>, first<T>, one<T>), with errors naming the struct, the
// column and the types.
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "miti/error.hpp"
#include "miti/fields.hpp"
#include "miti/sql_store.hpp"

namespace {

using miti::Blob;
using miti::Json;
using miti::SqlRow;
using miti::SqlStore;
using miti::SqlValue;
using miti::UsageError;
using miti_test::ok;
using miti_test::run_now;
using miti_test::SubmittedOp;

struct Note {
  std::int64_t id = 0;
  std::string text;
  std::optional<std::int64_t> due_at;
  bool done = false;
  double weight = 0;
  int small = 0;
};
MITI_FIELDS(Note, id, text, due_at, done, weight, small)

struct Attachment {
  std::string name;
  Blob bytes;
  std::optional<Blob> thumbnail;
};
MITI_FIELDS(Attachment, name, bytes, thumbnail)

SqlRow row(std::vector<std::string> columns, std::vector<SqlValue> values) {
  return SqlRow(std::make_shared<const std::vector<std::string>>(std::move(columns)),
                std::move(values));
}

const std::vector<std::string> kNoteColumns = {"id", "text", "due_at", "done", "weight", "small"};

}  // namespace

TEST_CASE("typed rows: every field is read from its column, whatever the order", "[sql][fields]") {
  Note note = row({"small", "weight", "done", "due_at", "text", "id", "extra"},
                  {7, 1.5, 1, std::int64_t{1'700'000'000'000}, "buy milk", 12, "ignored"})
                  .as<Note>();
  CHECK(note.id == 12);
  CHECK(note.text == "buy milk");
  CHECK(note.due_at == 1'700'000'000'000);
  CHECK(note.done);
  CHECK(note.weight == 1.5);
  CHECK(note.small == 7);
}

TEST_CASE("typed rows: NULL goes into an optional field as nullopt", "[sql][fields]") {
  Note note = row(kNoteColumns, {1, "x", nullptr, 0, 2, 0}).as<Note>();
  CHECK_FALSE(note.due_at.has_value());
  CHECK(note.weight == 2.0);  // an INTEGER reads as a real

  Attachment file =
      row({"name", "bytes", "thumbnail"}, {"a", Blob{1, 2}, nullptr}).as<Attachment>();
  CHECK(file.bytes == Blob{1, 2});
  CHECK_FALSE(file.thumbnail);
}

TEST_CASE("typed rows: a missing column is named", "[sql][fields]") {
  CHECK_THROWS_WITH(row({"id", "text"}, {1, "x"}).as<Note>(),
                    "reading Note: the row has no column 'due_at'");
}

TEST_CASE("typed rows: a value of the wrong type names the column and both types",
          "[sql][fields]") {
  CHECK_THROWS_WITH(row(kNoteColumns, {"12", "x", nullptr, 0, 0, 0}).as<Note>(),
                    "reading Note: column 'id': expected an INTEGER, got TEXT");
  CHECK_THROWS_WITH(row(kNoteColumns, {1, 5, nullptr, 0, 0, 0}).as<Note>(),
                    "reading Note: column 'text': expected TEXT, got INTEGER");
  CHECK_THROWS_WITH(row(kNoteColumns, {1, "x", 2.5, 0, 0, 0}).as<Note>(),
                    "reading Note: column 'due_at': expected an INTEGER, got REAL");
}

TEST_CASE("typed rows: NULL into a field that is not optional says how to fix it",
          "[sql][fields]") {
  CHECK_THROWS_WITH(row(kNoteColumns, {1, nullptr, nullptr, 0, 0, 0}).as<Note>(),
                    "reading Note: column 'text': expected TEXT, got NULL (use std::optional for "
                    "a nullable column)");
}

TEST_CASE("typed rows: an integer too large for the field is refused", "[sql][fields]") {
  CHECK_THROWS_WITH(
      row(kNoteColumns, {1, "x", nullptr, 0, 0, std::int64_t{1} << 40}).as<Note>(),
      Catch::Matchers::Contains("column 'small'") && Catch::Matchers::Contains("does not fit"));
}

namespace {
struct SqlHarness : miti_test::ScopeHarness {
  SqlHarness() : ScopeHarness(miti_test::make_env({}, {"DB"})), sql(scope, "notes") {}
  SqlStore sql;
};
struct Id {
  std::int64_t id = 0;
};
MITI_FIELDS(Id, id)
}  // namespace

TEST_CASE("typed rows: all<T>, first<T> and one<T> through SqlStore", "[sql][fields]") {
  SqlHarness h;
  Json answer = {{"columns", {"id"}}, {"rows", {{3}, {4}}}};
  h.host.auto_reply = [&](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok(answer);
  };
  std::vector<Id> ids = run_now(h.sql.all<Id>("SELECT id FROM notes_notes WHERE id > ?", 2));
  REQUIRE(ids.size() == 2);
  CHECK(ids[1].id == 4);
  CHECK(h.host.ops[0].op.at("params") == Json::array({2}));

  std::optional<Id> first = run_now(h.sql.first<Id>("SELECT id FROM notes_notes"));
  REQUIRE(first);
  CHECK(first->id == 3);
  CHECK(run_now(h.sql.one<Id>("INSERT INTO notes_notes (t) VALUES (?) RETURNING id", "x")).id == 3);

  answer = {{"columns", Json::array()}, {"rows", Json::array()}};
  CHECK_FALSE(run_now(h.sql.first<Id>("SELECT id FROM notes_notes WHERE 0")));
  CHECK_THROWS_WITH(run_now(h.sql.one<Id>("SELECT id FROM notes_notes WHERE 0")),
                    "SQL query returned no row: SELECT id FROM notes_notes WHERE 0");
}

TEST_CASE("run_in_chunks repeats a statement until a run changes fewer rows", "[sql]") {
  SqlHarness h;
  std::vector<int> changes = {1000, 1000, 12};
  std::size_t runs = 0;
  h.host.auto_reply = [&](const SubmittedOp&) -> std::optional<miti_test::Reply> {
    return ok({{"changes", changes.at(runs++)}, {"last_row_id", 0}});
  };
  auto statement = SqlStore::prepare(
      "DELETE FROM notes_notes WHERE id IN (SELECT id FROM notes_notes LIMIT ?)", 1000);
  miti::SqlChunkedRun done = run_now(h.sql.run_in_chunks(statement, 1000, 10));
  CHECK(done.changes == 2012);
  CHECK(done.statements == 3);
  CHECK_FALSE(done.more);

  runs = 0;
  done = run_now(h.sql.run_in_chunks(statement, 1000, 2));  // capped: rows are left
  CHECK(done.changes == 2000);
  CHECK(done.statements == 2);
  CHECK(done.more);
}
