#include "lib/cron_consistency.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "cron/cron_expression.hpp"
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

CronReport check_crons(const std::vector<DeclaredCron>& declared,
                       const std::vector<std::string>& listed, std::string_view modules_var) {
  CronReport report;
  report.problems = declared_problems(declared);
  const std::string toml_list = "wrangler.toml [triggers] crons";

  std::map<std::string, std::string> listed_by_norm;
  for (const std::string& item : listed) {
    std::string error;
    auto norm = normalized(item, &error);
    if (!norm) {
      report.problems.push_back(toml_list + ": ");
      report.problems.back() += error;
      continue;
    }
    auto [it, fresh] = listed_by_norm.emplace(*norm, item);
    if (!fresh) {
      report.problems.push_back(toml_list + " lists " + quoted(it->second) + " and " +
                                quoted(item) +
                                ", which mean the same schedule: its crons would run twice each "
                                "time; keep one, or " +
                                std::string(kFix));
    }
  }

  std::map<std::string, bool> declared_norms;
  for (const DeclaredCron& cron : declared) {
    auto norm = normalized(cron.schedule, nullptr);
    if (!norm) continue;  // already reported
    declared_norms[*norm] = true;
    if (!listed_by_norm.contains(*norm)) {
      report.problems.push_back(where(cron) + " runs on " + quoted(cron.schedule) + ", which " +
                                toml_list + " does not list, so it would never fire; add it, or " +
                                std::string(kFix));
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
  if (listed_by_norm.size() > kFreePlanTriggers) {
    report.notes.push_back(std::to_string(listed_by_norm.size()) +
                           " cron triggers: the Workers Free plan allows 5 per account, the Paid "
                           "plan 250");
  }
  return report;
}

CronSync sync_crons(std::string_view toml, const std::vector<DeclaredCron>& declared) {
  WranglerCrons scanned = scan_wrangler_toml(toml);
  std::vector<std::string> listed =
      scanned.crons ? scanned.crons->items : std::vector<std::string>{};
  std::vector<Entry> entries = plan(declared, listed);
  CronSync sync;
  sync.text = std::string(toml);

  std::map<std::string, bool> wanted;
  for (const Entry& entry : entries) wanted[entry.normalized] = true;
  std::map<std::string, bool> had;
  for (const std::string& item : listed) {
    auto norm = normalized(item, nullptr);
    bool keep = norm && wanted.contains(*norm) && !had.contains(*norm);
    if (norm) had[*norm] = true;
    if (!keep) sync.removed.push_back(quoted(item));
  }
  for (const Entry& entry : entries)
    if (!had.contains(entry.normalized))
      sync.added.push_back(quoted(entry.spelling) + " (" + entry.owners + ")");

  // No crons anywhere: leave a file without a [triggers] list alone.
  if (entries.empty() && !scanned.crons) return sync;
  std::string array = crons_array(declared, listed);
  if (scanned.crons &&
      toml.substr(scanned.crons->begin, scanned.crons->end - scanned.crons->begin) == array) {
    return sync;
  }
  sync.text = replace_crons(toml, scanned, array);
  sync.changed = true;
  return sync;
}

}  // namespace miti::tools
