#include "lib/cron_consistency.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "cron/cron_expression.hpp"
#include "lib/cron_cover.hpp"
#include "lib/wrangler_toml.hpp"

namespace miti::tools {

namespace {

constexpr std::string_view kFix = "run `npm run crons:sync`";
constexpr std::size_t kFreePlanTriggers = 5;

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

std::string where(const DeclaredCron& cron) {
  return "module " + quoted(cron.module) + ", cron " + quoted(cron.name);
}

// One space between fields: what sync writes for a schedule the toml does not have yet.
std::string collapse_spaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::optional<std::string> normalized(std::string_view text, std::string* error) {
  try {
    return cron::CronExpression::parse(text).normalized();
  } catch (const cron::CronError& e) {
    if (error != nullptr) *error = e.what();
    return std::nullopt;
  }
}

struct Entry {
  std::string normalized;
  std::string spelling;
  std::string owners;  // "remind.deliver, other.job"
};

// Distinct declared schedules in declaration order; spellings taken from `listed` when there.
std::vector<Entry> plan(const std::vector<DeclaredCron>& declared,
                        const std::vector<std::string>& listed) {
  std::map<std::string, std::string> listed_spelling;
  for (const std::string& item : listed)
    if (auto norm = normalized(item, nullptr)) listed_spelling.emplace(*norm, item);
  std::vector<Entry> entries;
  for (const DeclaredCron& cron : declared) {
    auto norm = normalized(cron.schedule, nullptr);
    if (!norm) continue;
    std::string owner = cron.module + "." + cron.name;
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return e.normalized == *norm; });
    if (same != entries.end()) {
      same->owners += ", " + owner;
      continue;
    }
    auto spelled = listed_spelling.find(*norm);
    entries.push_back(
        {*norm, spelled != listed_spelling.end() ? spelled->second : collapse_spaces(cron.schedule),
         owner});
  }
  return entries;
}

// The [triggers] crons value for `declared`: one entry per distinct schedule, in MODULES order,
// each followed by a comment naming its crons. A schedule already listed keeps the toml's
// spelling, so syncing twice changes nothing.
std::string crons_array(const std::vector<DeclaredCron>& declared,
                        const std::vector<std::string>& listed) {
  std::vector<Entry> entries = plan(declared, listed);
  if (entries.empty()) return "[]";
  std::string out = "[\n";
  for (const Entry& entry : entries)
    out += "  " + toml_string(entry.spelling) + ",  # " + entry.owners + "\n";
  return out + "]";
}

}  // namespace

std::vector<std::string> declared_problems(const std::vector<DeclaredCron>& declared) {
  std::vector<std::string> problems;
  for (const DeclaredCron& cron : declared) {
    std::string error;
    if (!normalized(cron.schedule, &error)) problems.push_back(where(cron) + ": " + error);
  }
  return problems;
}

std::size_t parse_cron_budget(std::string_view text, std::string_view source) {
  bool digits = !text.empty() && text.size() <= 4 &&
                text.find_first_not_of("0123456789") == std::string_view::npos;
  std::size_t budget = digits ? std::stoul(std::string(text)) : 0;
  if (budget < 1 || budget > kMaxCronBudget) {
    throw std::invalid_argument(std::string(source) + " is " + quoted(text) +
                                ": the cron trigger budget must be a whole number from 1 to " +
                                std::to_string(kMaxCronBudget) +
                                " (Cloudflare allows 5 triggers per account on Free, 250 on Paid)");
  }
  return budget;
}

namespace {

constexpr std::string_view kTomlList = "wrangler.toml [triggers] crons";
constexpr std::string_view kTimeMode = "[vars] MITI_CRON_DISPATCH = \"time\"";

// Dispatch by time: coverage, triggers that cover nothing, triggers that fire together.
void check_by_time(CronReport& report, const std::vector<DeclaredCron>& declared,
                   const std::vector<std::string>& triggers, std::string_view modules_var) {
  std::vector<FireSet> trigger_sets;
  trigger_sets.reserve(triggers.size());
  for (const std::string& trigger : triggers) trigger_sets.push_back(FireSet::of(trigger));
  std::map<std::string, FireSet> schedule_sets;  // by normalised schedule
  std::vector<std::pair<const DeclaredCron*, const FireSet*>> crons;
  for (const DeclaredCron& cron : declared) {
    auto norm = normalized(cron.schedule, nullptr);
    if (!norm) continue;  // already reported
    auto it = schedule_sets.find(*norm);
    if (it == schedule_sets.end()) it = schedule_sets.emplace(*norm, FireSet::of(*norm)).first;
    crons.emplace_back(&cron, &it->second);
  }

  TriggerCoverage coverage(trigger_sets);
  for (const auto& [cron, set] : crons) {
    if (auto missed = coverage.first_uncovered(*set)) {
      report.problems.push_back(
          where(*cron) + " runs on " + quoted(cron->schedule) + ", but no trigger in " +
          std::string(kTomlList) + " fires at " + describe_minute(*missed) +
          ", one of its times; with " + std::string(kTimeMode) +
          " only the minutes a trigger fires at run crons, so it would miss runs; add a trigger "
          "that covers it, or " +
          std::string(kFix));
    }
  }
  for (std::size_t t = 0; t < triggers.size(); ++t) {
    bool useful = std::any_of(crons.begin(), crons.end(), [&](const auto& cron) {
      return first_common_minute({&trigger_sets[t], cron.second}).has_value();
    });
    if (!useful) {
      report.problems.push_back(
          std::string(kTomlList) + " lists " + quoted(triggers[t]) +
          ", which never fires when a cron of MODULES (\"" + std::string(modules_var) +
          "\") is due, so it wakes the Worker for nothing; remove it, or " + std::string(kFix));
    }
    for (std::size_t u = t + 1; u < triggers.size(); ++u) {
      for (const auto& [cron, set] : crons) {
        auto both = first_common_minute({&trigger_sets[t], &trigger_sets[u], set});
        if (!both) continue;
        report.problems.push_back(
            std::string(kTomlList) + " lists " + quoted(triggers[t]) + " and " +
            quoted(triggers[u]) + ", which both fire at " + describe_minute(*both) + ", when " +
            where(*cron) + " is due: with " + std::string(kTimeMode) +
            " each trigger runs it, so it would run twice; keep the triggers apart, or " +
            std::string(kFix));
        break;
      }
    }
  }
}

}  // namespace

CronReport check_crons(const std::vector<DeclaredCron>& declared,
                       const std::vector<std::string>& listed, std::string_view modules_var,
                       const CronSettings& settings) {
  CronReport report;
  report.problems = declared_problems(declared);
  const std::string toml_list(kTomlList);

  std::map<std::string, std::string> listed_by_norm;
  std::vector<std::string> triggers;  // valid, distinct, first spelling
  for (const std::string& item : listed) {
    std::string error;
    auto norm = normalized(item, &error);
    if (!norm) {
      report.problems.push_back(toml_list + ": ");
      report.problems.back() += error;
      continue;
    }
    auto [it, fresh] = listed_by_norm.emplace(*norm, item);
    if (fresh) {
      triggers.push_back(item);
    } else {
      report.problems.push_back(toml_list + " lists " + quoted(it->second) + " and " +
                                quoted(item) +
                                ", which mean the same schedule: its crons would run twice each "
                                "time; keep one, or " +
                                std::string(kFix));
    }
  }

  std::map<std::string, bool> declared_norms;
  for (const DeclaredCron& cron : declared)
    if (auto norm = normalized(cron.schedule, nullptr)) declared_norms[*norm] = true;
  report.schedules = declared_norms.size();
  report.triggers = listed_by_norm.size();
  const std::string budget = std::to_string(settings.budget);

  report.by_time = settings.dispatch == "time";
  if (settings.dispatch && !report.by_time && *settings.dispatch != "trigger") {
    report.problems.push_back("wrangler.toml [vars] MITI_CRON_DISPATCH is " +
                              quoted(*settings.dispatch) +
                              ": the Worker knows \"time\" and \"trigger\" (the default); "
                              "remove it, or " +
                              std::string(kFix));
  }

  if (report.by_time) {
    check_by_time(report, declared, triggers, modules_var);
    if (listed_by_norm.size() > settings.budget) {
      report.problems.push_back(toml_list + " lists " + std::to_string(listed_by_norm.size()) +
                                " triggers, more than the budget of " + budget +
                                " (--budget or [vars] MITI_CRON_BUDGET); " + std::string(kFix) +
                                ", which writes one");
    }
    if (declared_norms.size() <= settings.budget) {
      const std::size_t n = declared_norms.size();
      report.notes.push_back(std::string(kTimeMode) + " with " + std::to_string(n) + " schedule" +
                             (n == 1 ? "" : "s") + ", within the budget of " + budget +
                             ": `npm run crons:sync` would give each its own trigger and drop "
                             "the variable");
    }
  } else {
    for (const DeclaredCron& cron : declared) {
      auto norm = normalized(cron.schedule, nullptr);
      if (!norm) continue;  // already reported
      if (!listed_by_norm.contains(*norm)) {
        report.problems.push_back(
            where(cron) + " runs on " + quoted(cron.schedule) + ", which " + toml_list +
            " does not list, so it would never fire; add it, or " + std::string(kFix));
      }
    }
    for (const std::string& item : listed) {
      auto norm = normalized(item, nullptr);
      if (norm && !declared_norms.contains(*norm) && listed_by_norm[*norm] == item) {
        report.problems.push_back(toml_list + " lists " + quoted(item) +
                                  ", which no module in MODULES (\"" + std::string(modules_var) +
                                  "\") declares; remove it, or " + std::string(kFix));
      }
    }
    if (declared_norms.size() > settings.budget) {
      report.notes.push_back(std::to_string(declared_norms.size()) +
                             " schedules, more than the trigger budget of " + budget +
                             ": `npm run crons:sync` would cover them with one trigger and "
                             "dispatch by time");
    }
  }
  if (listed_by_norm.size() > kFreePlanTriggers) {
    report.notes.push_back(std::to_string(listed_by_norm.size()) +
                           " cron triggers: the Workers Free plan allows 5 per account, the Paid "
                           "plan 250");
  }
  return report;
}

namespace {

// The [triggers] crons value over the budget: one trigger that fires whenever any schedule
// does, followed by one comment line per schedule naming its crons.
std::string covering_array(const std::vector<Entry>& entries, const std::string& spelling) {
  std::size_t width = 0;
  for (const Entry& entry : entries) width = std::max(width, entry.spelling.size());
  std::string out = "[\n  " + toml_string(spelling) + ",  # covers " +
                    std::to_string(entries.size()) +
                    " schedules; MITI_CRON_DISPATCH = \"time\" runs each cron when it is due:\n";
  for (const Entry& entry : entries) {
    out += "  #   " + entry.spelling + std::string(width - entry.spelling.size() + 2, ' ') +
           entry.owners + "\n";
  }
  return out + "]";
}

}  // namespace

CronSync sync_crons(std::string_view toml, const std::vector<DeclaredCron>& declared,
                    std::size_t budget) {
  WranglerCrons scanned = scan_wrangler_toml(toml);
  std::vector<std::string> listed =
      scanned.crons ? scanned.crons->items : std::vector<std::string>{};
  std::vector<Entry> entries = plan(declared, listed);
  CronSync sync;
  sync.text = std::string(toml);
  sync.schedules = entries.size();
  sync.by_time = entries.size() > budget;

  // The triggers wanted, as {normalised, spelling, owners}.
  std::vector<Entry> wanted_entries = entries;
  std::string array;
  if (sync.by_time) {
    std::vector<std::string> schedules;
    schedules.reserve(entries.size());
    for (const Entry& entry : entries) schedules.push_back(entry.normalized);
    std::string cover = covering_trigger(schedules);
    std::string spelling = cover;
    for (const std::string& item : listed)
      if (normalized(item, nullptr) == cover) spelling = item;
    std::string owners;
    for (const Entry& entry : entries) owners += (owners.empty() ? "" : ", ") + entry.owners;
    wanted_entries = {{cover, spelling, owners}};
    array = covering_array(entries, spelling);
  } else {
    array = crons_array(declared, listed);
  }

  std::map<std::string, bool> wanted;
  for (const Entry& entry : wanted_entries) wanted[entry.normalized] = true;
  std::map<std::string, bool> had;
  for (const std::string& item : listed) {
    auto norm = normalized(item, nullptr);
    bool keep = norm && wanted.contains(*norm) && !had.contains(*norm);
    if (norm) had[*norm] = true;
    if (!keep) sync.removed.push_back(quoted(item));
  }
  for (const Entry& entry : wanted_entries)
    if (!had.contains(entry.normalized))
      sync.added.push_back(quoted(entry.spelling) + " (" + entry.owners + ")");

  // No crons anywhere: leave a file without a [triggers] list alone.
  std::string text(toml);
  bool list_unchanged =
      (entries.empty() && !scanned.crons) ||
      (scanned.crons &&
       toml.substr(scanned.crons->begin, scanned.crons->end - scanned.crons->begin) == array);
  if (!list_unchanged) {
    text = replace_crons(toml, scanned, array);
    scanned = scan_wrangler_toml(text);
  }

  const auto& dispatch = scanned.cron_dispatch;
  if (sync.by_time && !(dispatch && dispatch->is_string && dispatch->value == "time")) {
    text = set_cron_dispatch(text, scanned, "time");
    sync.dispatch_change =
        "[vars] MITI_CRON_DISPATCH = \"time\": each trigger runs the crons due "
        "at its time";
  } else if (!sync.by_time && dispatch && !(dispatch->is_string && dispatch->value == "trigger")) {
    text = set_cron_dispatch(text, scanned, std::nullopt);
    sync.dispatch_change =
        "[vars] MITI_CRON_DISPATCH removed: each trigger runs the crons of its "
        "own schedule";
  }
  sync.changed = text != toml;
  if (sync.changed) sync.text = std::move(text);
  return sync;
}

}  // namespace miti::tools
