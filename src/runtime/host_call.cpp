#include "miti/error.hpp"
#include "runtime/request_scope.hpp"

namespace miti::runtime {

namespace {
Json parse_answer(HostAnswer answer) {
  std::optional<Json> parsed = Json::try_parse(answer.payload);
  if (!parsed) throw HostError("the host answered with invalid JSON");
  return std::move(*parsed);
}
void ignore_answer(HostAnswer) {}
}  // namespace

HostTask<Json> host_call(RequestScope& scope, const Json& op) {
  return HostTask<Json>(scope, op.dump(), &parse_answer);
}

HostTask<void> host_sleep(RequestScope& scope, std::int64_t ms) {
  return HostTask<void>(scope, Json{{"op", "sleep"}, {"ms", ms}}.dump(), &ignore_answer);
}

}  // namespace miti::runtime
