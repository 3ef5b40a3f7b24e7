// Migration files (tools/lib/migration_plan.*, tools/lib/migration_files.*): names, headers,
// the SQL check and the consolidation plan.
//
// Input: structured (FuzzedDataProvider): module folders, module migrations (well-formed names
// or arbitrary ones, SQL or arbitrary bytes) and files already in migrations/ (generated ones,
// edited ones, arbitrary ones). Properties:
// * Names: parse_source_name accepts exactly NNNN_description.sql (0001-9999) and rebuilds the
//   name; consolidated_name/parse_consolidated_number and consolidated_content/header_source
//   are inverse pairs; header_source returns a non-empty part of the first line.
// * sql_problem: an accepted file stays accepted after a line break, a line comment or a
//   statement, and is refused with trailing text after a line break.
// * plan_migrations never throws and is deterministic; its writes are uniquely named, numbered
//   on from the last file, carry headers naming their sources, and are counted right; when it
//   finds no problem, applying its writes gives a plan that is in sync (sync is idempotent),
//   and the order the files were listed in does not change the writes.
// * One input in 64 (by hash) goes through the disk: written out, read_migration_files gives
//   back what was written, write_migration_files applies the plan, and reading again is in
//   sync.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "lib/migration_files.hpp"
#include "lib/migration_plan.hpp"

namespace {

namespace fs = std::filesystem;
using namespace miti::tools;

const char* const kModules[] = {"notes", "remind", "a_b", "x1", "Bad", ""};
const char* const kDescriptions[] = {"create_notes", "add_index", "x", "a_1_b", "0001_x", "Caps"};
const char* const kSql[] = {
    "CREATE TABLE t (id INTEGER);\n",
    "-- only a comment\n",
    "INSERT INTO t VALUES ('a;b'); -- done\n",
    "CREATE TABLE \"q\"\"x\" ([a]);/* end */",
    "SELECT 1",
    "",
    "SELECT ';",
};

std::string four_digits(int number) {
  std::string digits = std::to_string(number);
  return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

bool is_lower_name(std::string_view text, bool allow_empty) {
  if (text.empty()) return allow_empty;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string pick_module(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(12);
  return kModules[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kModules) - 1)];
}

std::string pick_source_name(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return in.ConsumeRandomLengthString(40);
    case 1:
      return four_digits(in.ConsumeIntegralInRange(0, 10000)) + "_" +
             in.ConsumeRandomLengthString(20) + ".sql";
    default:
      return four_digits(in.ConsumeIntegralInRange(0, 6)) + "_" +
             kDescriptions[in.ConsumeIntegralInRange<std::size_t>(0,
                                                                  std::size(kDescriptions) - 1)] +
             ".sql";
  }
}

std::string pick_sql(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(80);
  return kSql[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kSql) - 1)];
}

void check_names(const std::string& name) {
  if (auto parsed = parse_source_name(name)) {
    FUZZ_CHECK(parsed->number >= 1 && parsed->number <= 9999, "source number out of range");
    FUZZ_CHECK(four_digits(parsed->number) + "_" + parsed->description + ".sql" == name,
               "parse_source_name does not rebuild the name");
    FUZZ_CHECK(is_lower_name(parsed->description, false) && parsed->description.size() <= 100,
               "a description outside [a-z0-9_]{1,100}");
  }
  if (auto number = parse_consolidated_number(name)) {
    FUZZ_CHECK(*number >= 0 && *number <= 999'999, "consolidated number out of range");
    const std::size_t digits = name.find('_');
    FUZZ_CHECK(digits >= 4 && digits <= 6 && std::stoi(name.substr(0, digits)) == *number,
               "parse_consolidated_number reads something else than the leading digits");
  }
}

void check_header(const std::string& content) {
  if (auto source = header_source(content)) {
    FUZZ_CHECK(!source->empty() && source->find('\n') == std::string::npos,
               "header_source returns more or less than one line");
    FUZZ_CHECK(content.starts_with(std::string(kSourceHeader) + *source),
               "header_source returns text not in the header");
  } else {
    FUZZ_CHECK(!content.starts_with(std::string(kSourceHeader) + "m"),
               "a header with a path is not recognised");
  }
}

void check_sql(const std::string& sql) {
  const bool fine = !sql_problem(sql).has_value();
  if (!fine) return;
  FUZZ_CHECK(!sql_problem(sql + "\n").has_value(), "a trailing line break makes SQL wrong");
  FUZZ_CHECK(!sql_problem(sql + "\n-- note").has_value(), "a trailing comment makes SQL wrong");
  FUZZ_CHECK(!sql_problem("/* c */\n" + sql).has_value(), "a leading comment makes SQL wrong");
  FUZZ_CHECK(!sql_problem(sql + "\nSELECT 1;").has_value(), "one more statement makes SQL wrong");
  FUZZ_CHECK(sql_problem(sql + "\nSELECT 1").has_value(), "an unterminated statement is accepted");
}

// A source that plan_migrations would consolidate (well named, in a well-named module).
bool well_formed(const SourceFile& source) {
  return is_lower_name(source.module, false) && parse_source_name(source.name).has_value();
}

void check_inverse_pairs(const SourceFile& source, int number) {
  if (!well_formed(source)) return;
  const std::string name = consolidated_name(number, source);
  FUZZ_CHECK(parse_consolidated_number(name) == number, "consolidated_name does not parse back");
  FUZZ_CHECK(header_source(consolidated_content(source)) == source.path(),
             "consolidated_content's header does not name the source");
  FUZZ_CHECK(consolidated_content(source).ends_with(source.content),
             "consolidated_content does not end with the source's bytes");
}

struct WriteKey {
  std::string name, content, source;
  bool replaces;
  auto operator<=>(const WriteKey&) const = default;
};

std::vector<WriteKey> keys(const Plan& plan) {
  std::vector<WriteKey> out;
  for (const Write& write : plan.writes)
    out.push_back({write.name, write.content, write.source, write.replaces});
  return out;
}

std::vector<std::string> problem_texts(const Plan& plan) {
  std::vector<std::string> out;
  for (const Problem& problem : plan.problems) out.push_back(problem.file + ": " + problem.message);
  return out;
}

// migrations/ after a sync: replaced files rewritten, new ones added.
std::vector<ConsolidatedFile> apply(std::vector<ConsolidatedFile> files, const Plan& plan) {
  for (const Write& write : plan.writes) {
    auto same = std::find_if(files.begin(), files.end(),
                             [&](const ConsolidatedFile& file) { return file.name == write.name; });
    if (write.replaces) {
      FUZZ_CHECK(same != files.end(), "a replacing write names no existing file");
      same->content = write.content;
    } else {
      FUZZ_CHECK(same == files.end(), "a new write overwrites an existing file");
      files.push_back({write.name, write.content});
    }
  }
  return files;
}

void check_plan(const PlanInput& input, PlanOptions options) {
  const Plan plan = plan_migrations(input, options);
  const Plan twice = plan_migrations(input, options);
  FUZZ_CHECK(keys(plan) == keys(twice) && problem_texts(plan) == problem_texts(twice) &&
                 plan.notes == twice.notes,
             "plan_migrations is not deterministic");

  int highest = 0;
  std::set<std::string> existing;
  for (const ConsolidatedFile& file : input.consolidated) {
    existing.insert(file.name);
    if (auto number = parse_consolidated_number(file.name)) highest = std::max(highest, *number);
  }
  std::set<std::string> names;
  std::size_t added = 0;
  int next = highest + 1;
  for (const Write& write : plan.writes) {
    FUZZ_CHECK(names.insert(write.name).second, "two writes share a name");
    FUZZ_CHECK(header_source(write.content) == write.source, "a write's header names another file");
    const auto number = parse_consolidated_number(write.name);
    FUZZ_CHECK(number.has_value(), "a write's name is not a consolidated name");
    if (write.replaces) {
      FUZZ_CHECK(options.accept_edits, "a file is rewritten without accept_edits");
      FUZZ_CHECK(existing.contains(write.name), "a rewrite of a file that does not exist");
    } else {
      FUZZ_CHECK(*number == next, "new writes are not numbered on from the last file");
      FUZZ_CHECK(!existing.contains(write.name), "a new write reuses an existing name");
      ++next;
      ++added;
    }
  }
  FUZZ_CHECK(plan.consolidated_total == input.consolidated.size() + added,
             "consolidated_total miscounts");
  if (!plan.problems.empty()) return;

  // Sync, then check: nothing left to do.
  PlanInput synced = input;
  synced.consolidated = apply(input.consolidated, plan);
  const Plan after = plan_migrations(synced, {});
  FUZZ_CHECK(after.problems.empty(), "a clean sync leads to problems");
  FUZZ_CHECK(after.writes.empty(), "sync is not idempotent: a second sync writes again");
  FUZZ_CHECK(after.consolidated_total == synced.consolidated.size(), "total after sync");

  // The order the files were listed in does not matter.
  PlanInput reversed = input;
  std::reverse(reversed.sources.begin(), reversed.sources.end());
  std::reverse(reversed.consolidated.begin(), reversed.consolidated.end());
  FUZZ_CHECK(keys(plan_migrations(reversed, options)) == keys(plan),
             "the listing order changes the plan");
}

// --- the disk round trip -------------------------------------------------------------------------

// Names the file system can hold and the reader does not skip.
bool disk_safe(std::string_view name) {
  return !name.empty() && name.size() <= 120 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
         });
}

// A folder of this process's own, removed at exit (the path is never freed: atexit handlers run
// after static destructors registered before them).
const fs::path& scratch_root() {
  static const fs::path* root = [] {
    std::error_code no_shm;
    const fs::path base = fs::is_directory("/dev/shm", no_shm) ? fs::path("/dev/shm")  // tmpfs
                                                               : fs::temp_directory_path();
    auto* path = new fs::path(base / ("miti-fuzz-migrations-" + std::to_string(getpid())));
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(*root, ignored);
    });
    return path;
  }();
  return *root;
}

void write_bytes(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void check_disk(PlanInput input) {
  // Only what a real tree can hold: sources in module folders, file-system-safe names.
  std::erase_if(input.sources, [&](const SourceFile& source) {
    return !disk_safe(source.module) || !disk_safe(source.name) ||
           !input.modules.contains(source.module);
  });
  std::erase_if(input.consolidated,
                [](const ConsolidatedFile& file) { return !disk_safe(file.name); });
  std::erase_if(input.modules, [](const std::string& name) { return !disk_safe(name); });

  const fs::path root = scratch_root();
  fs::remove_all(root);
  fs::create_directories(root / "modules");
  for (const std::string& module : input.modules) fs::create_directories(root / "modules" / module);
  for (const SourceFile& source : input.sources)
    write_bytes(root / "modules" / source.module / "migrations" / source.name, source.content);
  for (const ConsolidatedFile& file : input.consolidated)
    write_bytes(root / "migrations" / file.name, file.content);

  const PlanInput read = read_migration_files(root);
  FUZZ_CHECK(read.modules == input.modules, "read_migration_files finds other modules");
  FUZZ_CHECK(read.problems.empty(), "read_migration_files finds problems in a plain tree");
  std::map<std::string, std::string> wrote, got;
  for (const SourceFile& source : input.sources) wrote[source.path()] = source.content;
  for (const ConsolidatedFile& file : input.consolidated) wrote[file.path()] = file.content;
  for (const SourceFile& source : read.sources) got[source.path()] = source.content;
  for (const ConsolidatedFile& file : read.consolidated) got[file.path()] = file.content;
  FUZZ_CHECK(wrote == got, "read_migration_files does not give back the files written");

  const Plan plan = plan_migrations(read, {});
  if (!plan.problems.empty()) return;
  write_migration_files(root, plan);
  const Plan after = plan_migrations(read_migration_files(root), {});
  FUZZ_CHECK(after.in_sync(), "after write_migration_files the tree is not in sync");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto flags = in.ConsumeIntegral<std::uint8_t>();
  // A disk round trip costs tens of in-memory runs: one input in 64, chosen by a hash of the whole
  // input so that libFuzzer cannot keep it on by keeping one byte (a flag byte did: the disk code
  // adds coverage, and soon most of the corpus went to disk).
  const bool disk = miti_fuzz::Rng(miti_fuzz::as_text(data, size)).next() % 64 == 0;
  const PlanOptions options{.accept_edits = (flags & 1) != 0};

  PlanInput input;
  std::vector<std::string> modules;
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    std::string module = pick_module(in);
    if (input.modules.insert(module).second) modules.push_back(module);
  }
  std::set<std::string> paths;
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
    SourceFile source{modules.empty() || in.ConsumeIntegralInRange(0, 7) == 0
                          ? pick_module(in)
                          : modules[in.ConsumeIntegralInRange<std::size_t>(0, modules.size() - 1)],
                      pick_source_name(in), pick_sql(in)};
    if (paths.insert(source.path()).second) input.sources.push_back(std::move(source));
  }
  std::set<std::string> consolidated_names;
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
    ConsolidatedFile file;
    const int kind = in.ConsumeIntegralInRange(0, 3);
    if (kind <= 1 && !input.sources.empty()) {  // generated from a source, maybe edited since
      const SourceFile& source =
          input.sources[in.ConsumeIntegralInRange<std::size_t>(0, input.sources.size() - 1)];
      file.name = consolidated_name(in.ConsumeIntegralInRange(1, 8), source);
      file.content = consolidated_content(source);
      if (kind == 1) file.content += in.ConsumeRandomLengthString(8);
    } else if (kind == 2) {  // a consolidated-looking name, any header
      file.name = four_digits(in.ConsumeIntegralInRange(0, 12)) + "_" + pick_module(in) + "_" +
                  pick_source_name(in);
      file.content =
          std::string(kSourceHeader) + in.ConsumeRandomLengthString(60) + "\n" + pick_sql(in);
    } else {
      file.name = in.ConsumeRandomLengthString(30);
      file.content = in.ConsumeRandomLengthString(60);
    }
    if (consolidated_names.insert(file.name).second) input.consolidated.push_back(std::move(file));
  }

  for (const SourceFile& source : input.sources) {
    check_names(source.name);
    check_sql(source.content);
    check_inverse_pairs(source, in.ConsumeIntegralInRange(1, 999'999));
  }
  for (const ConsolidatedFile& file : input.consolidated) {
    check_names(file.name);
    check_header(file.content);
  }
  check_plan(input, options);
  if (disk) check_disk(input);
  return 0;
}
