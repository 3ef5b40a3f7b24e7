#include "remind/config.hpp"

#include <charconv>

namespace remind {

static_assert(fits(kFreePlan, kFreePlan.default_sends));
static_assert(fits(kPaidPlan, kPaidPlan.default_sends));

namespace {

void note(std::string* problem, std::string_view text) {
  if (problem == nullptr) return;
  if (!problem->empty()) *problem += "; ";
  *problem += text;
}

}  // namespace

SendBudget send_budget(const miti::Env& env, std::string* problem) {
  SendBudget budget;
  std::optional<std::string_view> plan = env.var("WORKERS_PLAN");
  if (plan && *plan == kPaidPlan.name) {
    budget.plan = Plan::kPaid;
  } else if (plan && !plan->empty() && *plan != kFreePlan.name) {
    note(problem, R"(WORKERS_PLAN is neither "free" nor "paid"; using free)");
  }
  const PlanLimits& limits = remind::limits(budget.plan);
  budget.sends = limits.default_sends;

  std::optional<std::string_view> raw = env.var("REMIND_SENDS_PER_RUN");
  if (!raw || raw->empty()) return budget;
  long long value = 0;
  auto [end, error] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (error != std::errc() || end != raw->data() + raw->size()) {
    note(problem, "REMIND_SENDS_PER_RUN is not an integer; using the plan's default");
  } else if (value < 1) {
    note(problem, "REMIND_SENDS_PER_RUN is below 1; using 1");
    budget.sends = 1;
  } else if (value > max_sends_per_run(limits)) {
    note(problem, "REMIND_SENDS_PER_RUN is above what the plan allows; using the ceiling");
    budget.sends = max_sends_per_run(limits);
  } else {
    budget.sends = static_cast<int>(value);
  }
  return budget;
}

}  // namespace remind
