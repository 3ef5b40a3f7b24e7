#include "remind/config.hpp"

#include <charconv>
#include <string_view>

namespace remind {

int sends_per_run(const miti::Env& env, std::string* problem) {
  std::optional<std::string_view> raw = env.var("REMIND_SENDS_PER_RUN");
  if (!raw || raw->empty()) return kDefaultSendsPerRun;
  long long value = 0;
  auto [end, error] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (error != std::errc() || end != raw->data() + raw->size()) {
    if (problem) *problem = "REMIND_SENDS_PER_RUN is not an integer; using the default";
    return kDefaultSendsPerRun;
  }
  if (value < 1) {
    if (problem) *problem = "REMIND_SENDS_PER_RUN is below 1; using 1";
    return 1;
  }
  if (value > kMaxSendsPerRun) {
    if (problem) *problem = "REMIND_SENDS_PER_RUN is above the ceiling; using the ceiling";
    return kMaxSendsPerRun;
  }
  return static_cast<int>(value);
}

}  // namespace remind
