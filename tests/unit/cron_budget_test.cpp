// The cron trigger budget (tools/lib/cron_consistency, wrangler_toml): sync writes one trigger
// per schedule within the budget and one covering trigger plus MITI_CRON_DISPATCH = "time" past
// it; the check understands both modes; the [vars] edits leave the rest of the file alone.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/cron_consistency.hpp"
#include "lib/wrangler_toml.hpp"

using namespace miti::tools;

namespace {

const std::string kToml =
    "name = \"bot\"\n"
    "\n"
    "[vars]\n"
    "MODULES = \"a,b\"\n"
    "OTHER = \"x\"  # kept\n"
    "# a comment after the vars\n"
    "\n"
    "[triggers]\n"
    "crons = []\n";

const std::vector<DeclaredCron> kFour = {
    {"a", "every", "* * * * *"},
    {"a", "night", "0 3 * * *"},
    {"b", "trim", "17 3 * * *"},
    {"b", "weekly", "0 9 * * MON"},
};

std::string text_of(const CronSync& sync, const std::string& before) {
  return sync.changed ? sync.text : before;
}

CronReport check(const std::string& toml, const std::vector<DeclaredCron>& declared,
                 std::size_t budget = kDefaultCronBudget) {
  WranglerCrons scanned = scan_wrangler_toml(toml);
  CronSettings settings{.budget = budget};
  if (scanned.cron_dispatch) settings.dispatch = scanned.cron_dispatch->value;
  return check_crons(declared, scanned.crons ? scanned.crons->items : std::vector<std::string>{},
                     "a,b", settings);
}

bool mentions(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines)
    if (line.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("scan reads MITI_CRON_DISPATCH and MITI_CRON_BUDGET with their places", "[cron_budget]") {
  std::string toml =
      "[vars]\nMODULES = \"a\"\nMITI_CRON_DISPATCH = \"time\"  # why\nMITI_CRON_BUDGET = 5\n";
  WranglerCrons scanned = scan_wrangler_toml(toml);
  REQUIRE(scanned.cron_dispatch);
  CHECK(scanned.cron_dispatch->value == "time");
  CHECK(scanned.cron_dispatch->is_string);
  CHECK(toml.substr(scanned.cron_dispatch->line_begin,
                    scanned.cron_dispatch->line_end - scanned.cron_dispatch->line_begin) ==
        "MITI_CRON_DISPATCH = \"time\"  # why\n");
  REQUIRE(scanned.cron_budget);
  CHECK(scanned.cron_budget->value == "5");
  CHECK_FALSE(scanned.cron_budget->is_string);
  CHECK(scanned.vars_last_line_end == toml.size());
  // Keys of other tables do not count.
  CHECK_FALSE(scan_wrangler_toml("[env.x.vars]\nMITI_CRON_DISPATCH = \"time\"\n").cron_dispatch);
}

TEST_CASE("set_cron_dispatch inserts, updates and removes one line", "[cron_budget]") {
  WranglerCrons scanned = scan_wrangler_toml(kToml);
  std::string set = set_cron_dispatch(kToml, scanned, "time");
  CHECK(set ==
        "name = \"bot\"\n\n[vars]\nMODULES = \"a,b\"\nOTHER = \"x\"  # kept\n"
        "MITI_CRON_DISPATCH = \"time\"  # `npm run crons:sync`: more schedules than the trigger "
        "budget\n"
        "# a comment after the vars\n\n[triggers]\ncrons = []\n");
  // Updating keeps the comment on the line; removing takes the whole line.
  std::string hand = "[vars]\nMITI_CRON_DISPATCH = 'trigger'  # mine\nMODULES = \"a\"\n";
  CHECK(set_cron_dispatch(hand, scan_wrangler_toml(hand), "time") ==
        "[vars]\nMITI_CRON_DISPATCH = \"time\"  # mine\nMODULES = \"a\"\n");
  CHECK(set_cron_dispatch(set, scan_wrangler_toml(set), std::nullopt) == kToml);
  CHECK(set_cron_dispatch(kToml, scanned, std::nullopt) == kToml);
  // No [vars] at all: a new section at the end; a file without a final newline gets one.
  CHECK(set_cron_dispatch("name = \"x\"", scan_wrangler_toml("name = \"x\""), "time")
            .starts_with("name = \"x\"\n\n[vars]\nMITI_CRON_DISPATCH = \"time\""));
  std::string last = "[vars]\nMODULES = \"a\"";
  CHECK(set_cron_dispatch(last, scan_wrangler_toml(last), "time")
            .starts_with("[vars]\nMODULES = \"a\"\nMITI_CRON_DISPATCH = \"time\""));
}

TEST_CASE("parse_cron_budget takes 1 to 250 and says what is wrong otherwise", "[cron_budget]") {
  CHECK(parse_cron_budget("1", "--budget") == 1);
  CHECK(parse_cron_budget("250", "--budget") == 250);
  for (const char* bad : {"0", "-1", "abc", "", "3.5", "251", "99999999999"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parse_cron_budget(bad, "--budget"),
                      Catch::Contains("--budget is '" + std::string(bad) + "'") &&
                          Catch::Contains("whole number from 1 to 250"));
  }
}

TEST_CASE("sync within the budget: one trigger per schedule, no time dispatch", "[cron_budget]") {
  std::vector<DeclaredCron> three(kFour.begin(), kFour.begin() + 3);
  CronSync sync = sync_crons(kToml, three);
  CHECK_FALSE(sync.by_time);
  std::string after = text_of(sync, kToml);
  CHECK(after.find("\"* * * * *\",  # a.every\n  \"0 3 * * *\",  # a.night\n") !=
        std::string::npos);
  CHECK(after.find("MITI_CRON_DISPATCH") == std::string::npos);
  CHECK(check(after, three).ok());
}

TEST_CASE("sync past the budget: one covering trigger and MITI_CRON_DISPATCH = \"time\"",
          "[cron_budget]") {
  CronSync sync = sync_crons(kToml, kFour);
  CHECK(sync.by_time);
  CHECK(sync.schedules == 4);
  REQUIRE(sync.changed);
  CHECK(sync.text ==
        "name = \"bot\"\n\n[vars]\nMODULES = \"a,b\"\nOTHER = \"x\"  # kept\n"
        "MITI_CRON_DISPATCH = \"time\"  # `npm run crons:sync`: more schedules than the trigger "
        "budget\n"
        "# a comment after the vars\n\n[triggers]\n"
        "crons = [\n"
        "  \"* * * * *\",  # covers 4 schedules; MITI_CRON_DISPATCH = \"time\" runs each cron when "
        "it is due:\n"
        "  #   * * * * *    a.every\n"
        "  #   0 3 * * *    a.night\n"
        "  #   17 3 * * *   b.trim\n"
        "  #   0 9 * * MON  b.weekly\n"
        "]\n");
  CronReport report = check(sync.text, kFour);
  CHECK(report.ok());
  CHECK(report.by_time);
  CHECK(report.triggers == 1);
  CHECK(report.schedules == 4);
  // Idempotent.
  CHECK_FALSE(sync_crons(sync.text, kFour).changed);
  // A larger budget goes back to one trigger each and drops the variable.
  CronSync back = sync_crons(sync.text, kFour, 4);
  CHECK_FALSE(back.by_time);
  REQUIRE(back.changed);
  CHECK(back.text.find("MITI_CRON_DISPATCH") == std::string::npos);
  CHECK(back.text.find("# a comment after the vars") != std::string::npos);
  CHECK(check(back.text, kFour, 4).ok());
}

TEST_CASE("sync covers with a narrower trigger when the schedules allow", "[cron_budget]") {
  std::vector<DeclaredCron> declared = {
      {"a", "x", "*/10 * * * *"}, {"a", "y", "0 3 * * *"}, {"b", "z", "30 */2 * * *"}};
  CronSync sync = sync_crons(kToml, declared, 1);
  REQUIRE(sync.changed);
  CHECK(sync.text.find("crons = [\n  \"*/10 * * * *\",  # covers 3 schedules") !=
        std::string::npos);
  CHECK(check(sync.text, declared, 1).ok());
}

TEST_CASE("sync keeps MITI_CRON_DISPATCH = \"trigger\" and removes other values", "[cron_budget]") {
  std::string kept = kToml;
  kept.insert(kept.find("OTHER"), "MITI_CRON_DISPATCH = \"trigger\"\n");
  CHECK(text_of(sync_crons(kept, {{"a", "x", "0 3 * * *"}}), kept)
            .find("MITI_CRON_DISPATCH = \"trigger\"\n") != std::string::npos);
  std::string odd = kToml;
  odd.insert(odd.find("OTHER"), "MITI_CRON_DISPATCH = \"Time\"\n");
  CronSync sync = sync_crons(odd, {{"a", "x", "0 3 * * *"}});
  CHECK(sync.dispatch_change);
  CHECK(text_of(sync, odd).find("MITI_CRON_DISPATCH") == std::string::npos);
}

TEST_CASE("check by time: uncovered crons, idle triggers, overlaps and the budget",
          "[cron_budget]") {
  auto toml = [](const std::string& crons) {
    return "[vars]\nMODULES = \"a,b\"\nMITI_CRON_DISPATCH = \"time\"\n[triggers]\ncrons = " +
           crons + "\n";
  };
  // A hand-edited trigger that misses b.trim at 03:17.
  CronReport under = check(toml("[\"*/5 * * * *\"]"), kFour);
  CHECK_FALSE(under.ok());
  CHECK(mentions(under.problems,
                 "module 'b', cron 'trim' runs on '17 3 * * *', but no trigger in wrangler.toml "
                 "[triggers] crons fires at 2026-01-01 03:17 UTC"));
  CHECK_FALSE(mentions(under.problems, "cron 'night'"));
  // Two triggers that together cover the minutes of every schedule pass.
  std::vector<DeclaredCron> halves = {{"a", "x", "0,30 * * * *"},
                                      {"a", "y", "0 3 * * *"},
                                      {"a", "z", "30 4 * * *"},
                                      {"a", "w", "0 5 * * *"}};
  CHECK(check(toml("[\"0 * * * *\", \"30 * * * *\"]"), halves).ok());
  // A trigger that fires when nothing is due.
  std::vector<DeclaredCron> spread = {{"a", "x", "0 1 * * *"}, {"a", "y", "0 2 * * *"}};
  CronReport idle = check(toml("[\"0 1,2 * * *\", \"0 4 1 1 *\"]"), spread);
  CHECK(mentions(idle.problems, "lists '0 4 1 1 *', which never fires when a cron"));
  CHECK_FALSE(mentions(idle.problems, "'0 1,2 * * *', which never"));
  // Two triggers firing together at a due minute run that cron twice.
  CronReport twice = check(toml("[\"* * * * *\", \"0 3 * * *\"]"), kFour);
  CHECK(mentions(twice.problems,
                 "lists '* * * * *' and '0 3 * * *', which both fire at 2026-01-01 03:00 UTC, "
                 "when module 'a', cron 'every' is due"));
  // More triggers than the budget.
  CronReport over = check(toml("[\"0 1 * * *\", \"0 2 * * *\"]"), spread, 1);
  CHECK(mentions(over.problems, "lists 2 triggers, more than the budget of 1"));
  CHECK(check(toml("[\"0 1 * * *\", \"0 2 * * *\"]"), spread, 2).ok());
  // Within the budget, time mode is allowed but noted.
  CHECK(mentions(check(toml("[\"0 1,2 * * *\"]"), spread).notes, "within the budget of 3"));
}

TEST_CASE("check by trigger: the lists must match, unknown dispatch values fail", "[cron_budget]") {
  std::string toml =
      "[vars]\nMODULES = \"a,b\"\nMITI_CRON_DISPATCH = \"bytime\"\n[triggers]\ncrons = "
      "[\"0 3 * * *\"]\n";
  CronReport report = check(toml, {{"a", "night", "0 3 * * *"}});
  CHECK(mentions(report.problems, "MITI_CRON_DISPATCH is 'bytime'"));
  // Past the budget in trigger mode: a note, not a failure (sync would switch to time mode).
  std::string many =
      "[vars]\nMODULES = \"a,b\"\n[triggers]\ncrons = [\"* * * * *\", \"0 3 * * *\", \"17 3 * * "
      "*\", \"0 9 * * 2\"]\n";
  CronReport note = check(many, kFour);
  CHECK(note.ok());
  CHECK(mentions(note.notes, "4 schedules, more than the trigger budget of 3"));
}
