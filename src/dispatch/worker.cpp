#include "dispatch/worker.hpp"

#include <string_view>

#include "dispatch/cron_dispatch.hpp"
#include "miti/bot_api.hpp"
#include "runtime/when_all.hpp"

namespace miti::dispatch {

namespace {

// A cron invocation may run for 15 minutes of wall time; stop starting new
// work a minute before.
constexpr std::int64_t kCronBudgetMs = std::int64_t{14} * 60'000;

std::shared_ptr<const Env> env_from_json(std::string_view text) {
  Json json = Json::try_parse(text).value_or(Json());
  Env::Vars vars;
  std::vector<std::string> bindings;
  for (const auto& [name, value] : json["vars"].items()) {
    if (value.is_string()) vars.emplace_back(name, value.as_string());
  }
  for (const Json& name : json["bindings"]) {
    if (name.is_string()) bindings.push_back(name.as_string());
  }
  return std::make_shared<const Env>(std::move(vars), std::move(bindings));
}

}  // namespace

void Worker::ActiveRequest::respond(int status, std::string_view body_text) {
  if (responded) return;
  responded = true;
  worker->runtime_.host().respond(scope.id, status, body_text);
}

Worker::Worker(runtime::Host& host, std::span<const registry::ModuleEntry> modules)
    : runtime_(host), registry_(modules) {}

Worker::~Worker() = default;

void Worker::set_env(EnvId id, std::string_view env_json) {
  envs_[id] = env_from_json(env_json);
}

void Worker::forget_env(EnvId id) {
  envs_.erase(id);
}

std::string Worker::claim_token() {
  // xorshift64*: unique enough to tell concurrent deliveries apart, and
  // seeded by the host with real randomness.
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  std::uint64_t value = random_state_ * 0x2545F4914F6CDD1Dull;
  static constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string token;
  for (int i = 0; i < 12; ++i) {
    token += kDigits[value % 36];
    value /= 36;
  }
  return token;
}

std::unique_ptr<Worker::ActiveRequest> Worker::make_request(runtime::RequestId request, EnvId env,
                                                            std::string body) {
  auto env_it = envs_.find(env);
  return std::make_unique<ActiveRequest>(ActiveRequest{
      .worker = this,
      .scope = runtime::RequestScope{.runtime = runtime_,
                                     .id = request,
                                     .env = env_it != envs_.end() ? env_it->second
                                                                  : std::make_shared<const Env>(),
                                     .log = Logger(runtime_)},
      .body = std::move(body),
  });
}

void Worker::start_webhook(runtime::RequestId request, EnvId env, std::string body) {
  collect_finished();
  auto active = make_request(request, env, std::move(body));
  active->task = webhook_flow(*active);
  start(std::move(active));
}

void Worker::start_scheduled(runtime::RequestId request, EnvId env, std::string cron,
                             std::int64_t scheduled_time_ms) {
  collect_finished();
  auto active = make_request(request, env, std::string());
  active->scope.deadline_ms = runtime_.now_ms() + kCronBudgetMs;
  active->task = scheduled_flow(*active, std::move(cron), scheduled_time_ms);
  start(std::move(active));
}

void Worker::start(std::unique_ptr<ActiveRequest> request) {
  ActiveRequest& ref = *request;
  auto [it, inserted] = requests_.try_emplace(ref.scope.id, std::move(request));
  if (!inserted) {
    // A host bug. The id belongs to the request already in flight, so the
    // duplicate is dropped without an answer that would reach the first one.
    ref.scope.log.error("duplicate request id; request dropped", {{"request", ref.scope.id}});
    return;
  }
  ref.task.start(&Worker::on_request_finished, &ref);
}

void Worker::complete_operation(runtime::OperationId operation, runtime::OpStatus status,
                                std::string payload) {
  collect_finished();
  runtime_.complete(operation, status, std::move(payload));
}

void Worker::respond_now(runtime::RequestId request) {
  collect_finished();
  auto it = requests_.find(request);
  if (it == requests_.end() || it->second->responded) return;
  ActiveRequest& active = *it->second;
  std::optional<Json> reply;
  if (active.api != nullptr) {
    reply = active.api->take_webhook_reply();
    active.api->stop_webhook_replies();
  }
  active.scope.log.info("answered the webhook early; the handler goes on in the background",
                        {{"held_call", reply.has_value()}});
  active.respond(200, reply ? reply->dump() : std::string());
}

void Worker::cancel(runtime::RequestId request) {
  collect_finished();
  auto it = requests_.find(request);
  if (it == requests_.end()) return;
  std::unique_ptr<ActiveRequest> active = std::move(it->second);
  requests_.erase(it);
  active->scope.log.error("request cancelled: it outlived its time bound",
                          {{"pending_operations", runtime_.pending_count()}});
  // Destroying the task destroys every frame it awaits; their pending host
  // operations are forgotten, so late answers are ignored.
  active->task = Task<void>();
  active->respond(200, "");
  runtime_.host().finish(request);
}

void Worker::on_request_finished(void* opaque) noexcept {
  auto& request = *static_cast<ActiveRequest*>(opaque);
  Worker& worker = *request.worker;
  try {
    request.task.result();
  } catch (const std::exception& error) {
    request.scope.log.error("request failed", {{"error", error.what()}});
  } catch (...) {
    request.scope.log.error("request failed", {{"error", "unknown exception"}});
  }
  // Authenticated updates are always answered 200: anything else makes
  // Telegram deliver the update again and repeat its side effects.
  request.respond(200, "");
  worker.runtime_.host().finish(request.scope.id);
  auto it = worker.requests_.find(request.scope.id);
  if (it != worker.requests_.end()) {
    worker.finished_.push_back(std::move(it->second));
    worker.requests_.erase(it);
  }
}

void Worker::collect_finished() {
  finished_.clear();
}

Task<void> Worker::scheduled_flow(ActiveRequest& request, std::string cron,
                                  std::int64_t scheduled_time_ms) {
  runtime::RequestScope& scope = request.scope;
  Json summary = {{"cron", cron}, {"ran", 0}, {"failed", 0}};

  std::shared_ptr<const registry::Registry> registry;
  try {
    registry = co_await registry_.get(scope);
  } catch (const std::exception& error) {
    scope.log.error("registry build failed", {{"cron", cron}, {"error", error.what()}});
    summary["error"] = error.what();
    request.respond(500, summary.dump());
    co_return;
  }

  const bool by_time = scope.env->var_or("MITI_CRON_DISPATCH", "trigger") == "time";
  std::vector<CronRun> runs =
      by_time ? crons_due_at(*registry, scheduled_time_ms) : matching_crons(*registry, cron);
  if (runs.empty() && !by_time) {
    scope.log.warn("no module cron matches this trigger",
                   {{"cron", cron}, {"hint", "npm run crons:sync keeps wrangler.toml in step"}});
  }
  CronEvent event{.cron = cron, .scheduled_time_ms = scheduled_time_ms};
  std::vector<Task<void>> tasks;
  tasks.reserve(runs.size());
  for (CronRun& run : runs) tasks.push_back(run_isolated(scope, run, event, registry->modules()));
  co_await runtime::WhenAll(std::move(tasks));

  int failed = 0;
  for (const CronRun& run : runs) failed += run.failed ? 1 : 0;
  summary["ran"] = runs.size();
  summary["failed"] = failed;
  request.respond(200, summary.dump());
}

}  // namespace miti::dispatch
