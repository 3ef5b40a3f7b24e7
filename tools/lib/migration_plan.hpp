// Consolidating per-module migrations into the top-level migrations/ folder
// that `wrangler d1 migrations apply DB` applies.
//
// Authors write modules/<module>/migrations/NNNN_description.sql, numbered
// 0001, 0002, ... per module. Each becomes migrations/GGGG_<module>_NNNN_description.sql
// where GGGG is a global number. wrangler records an applied migration by its
// file name and applies the others in numeric order, so a consolidated file is
// never renamed, renumbered, reordered or rewritten: new migrations only ever
// get the next global numbers.
//
// Every consolidated file starts with a header naming its source
// ("-- miti-source: modules/notes/migrations/0001_create_notes.sql"), followed
// by the source's exact bytes. That makes the mapping unambiguous (module and
// description names may both contain underscores and digits) and lets a check
// notice a source edited after it was consolidated.
//
// The framework's own tables come from src/migrations/ and are consolidated
// the same way, as module "miti".
//
// A consolidated file whose module is gone stays (databases may have applied
// it). A module that must never reach production databases (a test-only
// module) is retired by replacing its consolidated files' SQL with a no-op
// ("SELECT 1;"), header kept: numbering stays intact, new databases get
// nothing, old ones keep what they applied.
//
// This file is pure logic over in-memory files; migration_files.hpp does I/O.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace miti::tools {

inline constexpr std::string_view kSourceHeader = "-- miti-source: ";
// The framework's module name and the folder of its migrations.
inline constexpr std::string_view kFrameworkModule = "miti";
inline constexpr std::string_view kFrameworkFolder = "src/migrations";

// A file found in modules/<module>/migrations/.
struct SourceFile {
  std::string module;
  std::string name;  // file name only, e.g. "0001_create_notes.sql"
  std::string content;

  std::string path() const {
    if (module == kFrameworkModule) return std::string(kFrameworkFolder) + "/" + name;
    return "modules/" + module + "/migrations/" + name;
  }
};

// A file found in the top-level migrations/.
struct ConsolidatedFile {
  std::string name;
  std::string content;

  std::string path() const { return "migrations/" + name; }
};

// "0001_create_notes.sql" -> {1, "create_notes"}; nullopt when malformed.
struct SourceName {
  int number = 0;
  std::string description;
};
std::optional<SourceName> parse_source_name(std::string_view file_name);

// The leading number of a consolidated name ("0003_notes_0001_x.sql" -> 3).
std::optional<int> parse_consolidated_number(std::string_view file_name);

// "0003_notes_0001_create_notes.sql" for global number 3.
std::string consolidated_name(int number, const SourceFile& source);
// The header plus the source's bytes.
std::string consolidated_content(const SourceFile& source);
// The source path a consolidated file's header names, if it has one.
std::optional<std::string> header_source(std::string_view consolidated_content);

// What is wrong with a migration's SQL, or nullopt. wrangler appends its own
// "INSERT INTO d1_migrations ..." to the file before splitting it into
// statements, so the last statement must end with ';' or the two merge.
std::optional<std::string> sql_problem(std::string_view sql);

// One thing wrong, naming the file (repository-relative) it is about.
struct Problem {
  std::string file;
  std::string message;
};

// A file sync would write to migrations/.
struct Write {
  std::string name;       // in migrations/
  std::string content;    // header + source
  std::string source;     // the source's path
  bool replaces = false;  // rewrites an existing file (only with accept_edits)
};

struct Plan {
  std::vector<Problem> problems;       // any of these: sync writes nothing, check fails
  std::vector<Write> writes;           // what sync writes; check fails if non-empty
  std::vector<std::string> notes;      // worth saying, not wrong
  std::size_t consolidated_total = 0;  // files in migrations/ once the writes are done

  bool in_sync() const { return problems.empty() && writes.empty(); }
};

struct PlanInput {
  std::set<std::string> modules;  // every folder under modules/
  std::vector<SourceFile> sources;
  std::vector<ConsolidatedFile> consolidated;
  std::vector<Problem> problems;  // found while reading (e.g. a folder where a file belongs)
};

struct PlanOptions {
  // Rewrite a consolidated file whose source changed. Only right when no
  // database has applied it yet: wrangler never re-runs an applied migration.
  bool accept_edits = false;
};

Plan plan_migrations(const PlanInput& input, PlanOptions options = {});

}  // namespace miti::tools
