// The migration consolidation logic: names, SQL shape, numbering, and the
// promise that a consolidated migration is never renamed, reordered or rewritten.
#include "lib/migration_plan.hpp"

#include <catch2/catch.hpp>

using namespace miti::tools;

namespace {

SourceFile source(std::string module, std::string name, std::string sql = "CREATE TABLE t (x);\n") {
  return SourceFile{std::move(module), std::move(name), std::move(sql)};
}

// migrations/ as a sync of `sources` alone would have written it.
std::vector<ConsolidatedFile> synced(const std::vector<SourceFile>& sources) {
  PlanInput input;
  for (const auto& s : sources) input.modules.insert(s.module);
  input.sources = sources;
  Plan plan = plan_migrations(input);
  REQUIRE(plan.problems.empty());
  std::vector<ConsolidatedFile> files;
  for (const auto& write : plan.writes) files.push_back({write.name, write.content});
  return files;
}

PlanInput input_of(std::vector<SourceFile> sources,
                   std::vector<ConsolidatedFile> consolidated = {}) {
  PlanInput input;
  for (const auto& s : sources) input.modules.insert(s.module);
  input.sources = std::move(sources);
  input.consolidated = std::move(consolidated);
  return input;
}

std::vector<std::string> write_names(const Plan& plan) {
  std::vector<std::string> names;
  for (const auto& write : plan.writes) names.push_back(write.name);
  return names;
}

bool has_problem(const Plan& plan, const std::string& file, const std::string& fragment) {
  for (const auto& problem : plan.problems) {
    if (problem.file == file && problem.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("source migration names are NNNN_description.sql", "[migrations]") {
  auto parsed = parse_source_name("0001_create_notes.sql");
  REQUIRE(parsed);
  CHECK(parsed->number == 1);
  CHECK(parsed->description == "create_notes");
  CHECK(parse_source_name("0042_add_index_2.sql")->number == 42);

  for (const char* bad :
       {"0000_zero.sql", "001_short.sql", "00001_long.sql", "0001-dash.sql", "0001_Upper.sql",
        "0001_.sql", "0001_x.SQL", "0001_x.sql.bak", "create.sql", "0001_has space.sql",
        "0001__leading_underscore.sql", "README.md"}) {
    INFO(bad);
    CHECK_FALSE(parse_source_name(bad));
  }
}

TEST_CASE("consolidated names carry the global number, module and source name", "[migrations]") {
  SourceFile notes = source("notes", "0001_create_notes.sql");
  CHECK(consolidated_name(3, notes) == "0003_notes_0001_create_notes.sql");
  CHECK(parse_consolidated_number("0003_notes_0001_create_notes.sql") == 3);
  CHECK_FALSE(parse_consolidated_number("notes.sql"));
  CHECK_FALSE(parse_consolidated_number("0003_notes.txt"));
}

TEST_CASE("consolidated content is a header naming the source plus its exact bytes",
          "[migrations]") {
  SourceFile notes = source("notes", "0001_create_notes.sql", "CREATE TABLE notes_notes (id);\n");
  std::string content = consolidated_content(notes);
  CHECK(content.starts_with("-- miti-source: modules/notes/migrations/0001_create_notes.sql\n"));
  CHECK(content.ends_with("\nCREATE TABLE notes_notes (id);\n"));
  CHECK(header_source(content) == "modules/notes/migrations/0001_create_notes.sql");
  CHECK_FALSE(header_source("CREATE TABLE x (y);"));
  CHECK_FALSE(header_source("-- miti-source: \nCREATE TABLE x (y);"));
}

TEST_CASE("a migration's last statement must end with a semicolon", "[migrations]") {
  CHECK_FALSE(sql_problem("CREATE TABLE a (x);"));
  CHECK_FALSE(sql_problem("CREATE TABLE a (x);\n-- trailing comment\n\n"));
  CHECK_FALSE(sql_problem("CREATE TABLE a (x); /* done */"));
  CHECK_FALSE(sql_problem("INSERT INTO a VALUES ('it''s -- not a comment');"));
  CHECK_FALSE(sql_problem("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;"));

  CHECK(sql_problem("CREATE TABLE a (x)")->find("end with ';'") != std::string::npos);
  CHECK(sql_problem("CREATE TABLE a (x) -- no semicolon;\n"));
  CHECK(sql_problem("INSERT INTO a VALUES (';')"));
  CHECK(sql_problem("")->find("no SQL") != std::string::npos);
  CHECK(sql_problem("  -- only a comment\n"));
  CHECK(sql_problem("SELECT 'open;"));
  CHECK(sql_problem("SELECT 1; /* open"));
}

TEST_CASE("a fresh repository gets 0001.. in module order, then module order", "[migrations]") {
  Plan plan = plan_migrations(
      input_of({source("notes", "0002_add_index.sql"), source("mymod", "0001_create_foo.sql"),
                source("notes", "0001_create_notes.sql")}));
  CHECK(plan.problems.empty());
  CHECK(write_names(plan) == std::vector<std::string>{"0001_mymod_0001_create_foo.sql",
                                                      "0002_notes_0001_create_notes.sql",
                                                      "0003_notes_0002_add_index.sql"});
  CHECK(plan.consolidated_total == 3);
  CHECK(plan.writes[1].source == "modules/notes/migrations/0001_create_notes.sql");
}

TEST_CASE("in sync: nothing to write", "[migrations]") {
  std::vector<SourceFile> sources = {source("notes", "0001_create_notes.sql")};
  Plan plan = plan_migrations(input_of(sources, synced(sources)));
  CHECK(plan.in_sync());
  CHECK(plan.consolidated_total == 1);
}

TEST_CASE("adding a module never renames or reorders what is consolidated", "[migrations]") {
  std::vector<SourceFile> before = {source("zeta", "0001_a.sql"), source("zeta", "0002_b.sql")};
  std::vector<ConsolidatedFile> existing = synced(before);

  // "alpha" sorts first, but it comes later in time: it is appended.
  std::vector<SourceFile> after = before;
  after.push_back(source("alpha", "0001_first.sql"));
  after.push_back(source("zeta", "0003_c.sql"));
  Plan plan = plan_migrations(input_of(after, existing));
  CHECK(plan.problems.empty());
  CHECK(write_names(plan) ==
        std::vector<std::string>{"0003_alpha_0001_first.sql", "0004_zeta_0003_c.sql"});
  for (const auto& write : plan.writes) CHECK_FALSE(write.replaces);
  CHECK(plan.consolidated_total == 4);
}

TEST_CASE("module names and descriptions with digits and underscores stay unambiguous",
          "[migrations]") {
  std::vector<SourceFile> sources = {source("a_0001", "0001_x.sql"),
                                     source("a", "0001_0001_x.sql")};
  Plan plan = plan_migrations(input_of(sources, synced(sources)));
  CHECK(plan.in_sync());
}

TEST_CASE("malformed names, gaps and duplicates are named", "[migrations]") {
  SECTION("malformed name") {
    Plan plan = plan_migrations(input_of({source("notes", "1_create.sql")}));
    CHECK(has_problem(plan, "modules/notes/migrations/1_create.sql", "malformed migration name"));
  }
  SECTION("not SQL") {
    Plan plan = plan_migrations(input_of({source("notes", "README.md", "hi")}));
    CHECK(has_problem(plan, "modules/notes/migrations/README.md", "NNNN_description.sql"));
  }
  SECTION("gap") {
    Plan plan =
        plan_migrations(input_of({source("notes", "0001_a.sql"), source("notes", "0003_c.sql")}));
    CHECK(has_problem(plan, "modules/notes/migrations/0003_c.sql", "expected 0002, found 0003"));
  }
  SECTION("not starting at 0001") {
    Plan plan = plan_migrations(input_of({source("notes", "0002_b.sql")}));
    CHECK(has_problem(plan, "modules/notes/migrations/0002_b.sql", "expected 0001"));
  }
  SECTION("duplicate") {
    Plan plan =
        plan_migrations(input_of({source("notes", "0001_a.sql"), source("notes", "0002_b.sql"),
                                  source("notes", "0002_c.sql")}));
    CHECK(has_problem(plan, "modules/notes/migrations", "duplicate migration number 0002"));
  }
  SECTION("unterminated SQL") {
    Plan plan = plan_migrations(input_of({source("notes", "0001_a.sql", "CREATE TABLE a (x)")}));
    CHECK(has_problem(plan, "modules/notes/migrations/0001_a.sql", "end with ';'"));
  }
  SECTION("bad module folder name") {
    Plan plan = plan_migrations(input_of({source("Notes", "0001_a.sql")}));
    CHECK(has_problem(plan, "modules/Notes/migrations/0001_a.sql", "^[a-z0-9_]+$"));
  }
}

TEST_CASE("an edited consolidated source is refused, or rewritten on request", "[migrations]") {
  std::vector<SourceFile> sources = {source("notes", "0001_a.sql"), source("notes", "0002_b.sql")};
  std::vector<ConsolidatedFile> existing = synced(sources);
  sources[0].content = "CREATE TABLE changed (x);\n";

  Plan refused = plan_migrations(input_of(sources, existing));
  CHECK(has_problem(refused, "modules/notes/migrations/0001_a.sql",
                    "changed after it was consolidated as migrations/0001_notes_0001_a.sql"));

  Plan accepted = plan_migrations(input_of(sources, existing), {.accept_edits = true});
  CHECK(accepted.problems.empty());
  REQUIRE(accepted.writes.size() == 1);
  CHECK(accepted.writes[0].name == "0001_notes_0001_a.sql");
  CHECK(accepted.writes[0].replaces);
  CHECK(accepted.writes[0].content.ends_with("CREATE TABLE changed (x);\n"));
  CHECK(accepted.consolidated_total == 2);
}

TEST_CASE("an edited consolidated file is out of sync", "[migrations]") {
  std::vector<SourceFile> sources = {source("notes", "0001_a.sql")};
  std::vector<ConsolidatedFile> existing = synced(sources);
  existing[0].content += "DROP TABLE x;\n";
  Plan plan = plan_migrations(input_of(sources, existing));
  CHECK(has_problem(plan, "modules/notes/migrations/0001_a.sql", "changed after"));
}

TEST_CASE("a consolidated source that disappears", "[migrations]") {
  std::vector<SourceFile> sources = {source("notes", "0001_a.sql"), source("gone", "0001_x.sql")};
  std::vector<ConsolidatedFile> existing = synced(sources);

  SECTION("from a module that still exists: refused") {
    PlanInput input = input_of({source("gone", "0001_x.sql")}, existing);
    input.modules.insert("notes");
    Plan plan = plan_migrations(input);
    CHECK(has_problem(plan, "modules/notes/migrations/0001_a.sql", "is gone"));
  }
  SECTION("with its whole module: kept, with a note") {
    Plan plan = plan_migrations(input_of({source("notes", "0001_a.sql")}, existing));
    CHECK(plan.in_sync());
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].find("module 'gone' is gone") != std::string::npos);
  }
}

TEST_CASE("migrations/ itself: names, headers, numbering", "[migrations]") {
  std::vector<SourceFile> sources = {source("notes", "0001_a.sql"), source("notes", "0002_b.sql"),
                                     source("notes", "0003_c.sql")};
  std::vector<ConsolidatedFile> existing = synced(sources);

  SECTION("a hand-written file") {
    existing.push_back({"0004_by_hand.sql", "CREATE TABLE x (y);\n"});
    Plan plan = plan_migrations(input_of(sources, existing));
    CHECK(has_problem(plan, "migrations/0004_by_hand.sql", "miti-source"));
  }
  SECTION("a stray file") {
    existing.push_back({"notes.txt", "hi"});
    Plan plan = plan_migrations(input_of(sources, existing));
    CHECK(has_problem(plan, "migrations/notes.txt", "not a migration file name"));
  }
  SECTION("a renamed file") {
    existing[1].name = "0002_notes_0002_renamed.sql";
    Plan plan = plan_migrations(input_of(sources, existing));
    CHECK(has_problem(plan, "migrations/0002_notes_0002_renamed.sql", "was renamed"));
  }
  SECTION("a gap") {
    existing.erase(existing.begin() + 1);
    Plan plan = plan_migrations(input_of(sources, existing));
    CHECK(has_problem(plan, "migrations/0003_notes_0003_c.sql", "expected 0002, found 0003"));
  }
  SECTION("a duplicate number") {
    std::vector<SourceFile> more = sources;
    more.push_back(source("other", "0001_x.sql"));
    existing.push_back({"0003_other_0001_x.sql", consolidated_content(more.back())});
    Plan plan = plan_migrations(input_of(more, existing));
    CHECK(has_problem(plan, "migrations", "duplicate migration number 0003"));
  }
  SECTION("one source consolidated twice") {
    existing.push_back({"0004_notes_0001_a.sql", existing[0].content});
    Plan plan = plan_migrations(input_of(sources, existing));
    CHECK(has_problem(plan, "migrations/0004_notes_0001_a.sql", "a second time"));
  }
}

TEST_CASE("a new migration numbered before a consolidated one is refused", "[migrations]") {
  // migrations/ already holds notes 0001 and 0002 (someone deleted the global
  // file for 0001's sibling by hand): a late 0001-style insert must not be
  // appended after 0002.
  std::vector<SourceFile> sources = {source("notes", "0001_a.sql"), source("notes", "0002_b.sql")};
  std::vector<ConsolidatedFile> existing = synced(sources);
  existing.erase(existing.begin());
  existing[0].name = "0001_notes_0002_b.sql";
  Plan plan = plan_migrations(input_of(sources, existing));
  CHECK(has_problem(plan, "modules/notes/migrations/0001_a.sql", "numbered before 0002"));
  CHECK(plan.writes.empty());
}
