#include "dispatch/worker.hpp"

#include "dispatch/cron_dispatch.hpp"
#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "miti/error.hpp"
#include "miti/telegram.hpp"
#include "runtime/when_all.hpp"
#include "telegram/command_parser.hpp"

namespace miti::dispatch {

struct Worker::ActiveRequest {
  Worker* worker;
  runtime::RequestScope scope;
  std::string body;  // a webhook's update, until it is parsed
  Task<void> task;
  bool responded = false;
};

namespace {

std::shared_ptr<const Env> env_from_json(std::string_view text) {
  Json json = Json::try_parse(text).value_or(Json());
  std::map<std::string, std::string, std::less<>> vars;
  std::set<std::string, std::less<>> bindings;
  for (const auto& [name, value] : json["vars"].items()) {
    if (value.is_string()) vars.emplace(name, value.as_string());
  }
  for (const Json& name : json["bindings"]) {
    if (name.is_string()) bindings.insert(name.as_string());
  }
  return std::make_shared<const Env>(std::move(vars), std::move(bindings));
}

}  // namespace

Worker::Worker(runtime::Host& host, std::span<const registry::ModuleEntry> modules)
    : runtime_(host), registry_(modules) {}

Worker::~Worker() = default;

void Worker::set_env(EnvId id, std::string_view env_json) {
  envs_[id] = env_from_json(env_json);
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

void Worker::complete_operation(runtime::OperationId operation, bool ok, std::string payload) {
  collect_finished();
  runtime_.complete(operation, ok, std::move(payload));
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
  if (!request.responded) worker.respond(request, 200, "");
  auto it = worker.requests_.find(request.scope.id);
  if (it != worker.requests_.end()) {
    worker.finished_.push_back(std::move(it->second));
    worker.requests_.erase(it);
  }
}

void Worker::collect_finished() {
  finished_.clear();
}

void Worker::respond(ActiveRequest& request, int status, std::string_view body) {
  request.responded = true;
  runtime_.host().respond(request.scope.id, status, body);
}

Task<void> Worker::webhook_flow(ActiveRequest& request) {
  runtime::RequestScope& scope = request.scope;
  std::optional<Json> parsed = Json::try_parse(request.body);
  std::size_t body_bytes = request.body.size();
  std::string().swap(request.body);  // the parsed tree is all we keep
  if (!parsed) {
    scope.log.warn("update ignored", {{"reason", "body is not JSON"}, {"bytes", body_bytes}});
    co_return;
  }
  std::optional<telegram::Update> update = telegram::parse_update(std::move(*parsed));
  if (!update) {
    scope.log.warn("update ignored",
                   {{"reason", "body is not a Telegram update"}, {"bytes", body_bytes}});
    co_return;
  }
  const telegram::Message* message = update->command_message();
  if (message == nullptr) co_return;  // edits, callback queries, ...
  std::optional<telegram::ParsedCommand> parsed_command =
      telegram::parse_command(*message, scope.env->var_or("TELEGRAM_BOT_USERNAME", ""));
  if (!parsed_command) co_return;

  std::shared_ptr<const registry::Registry> registry;
  try {
    registry = co_await registry_.get(scope);
  } catch (const std::exception& error) {
    scope.log.error("registry build failed",
                    {{"update_id", update->update_id}, {"error", error.what()}});
    co_return;
  }
  const registry::CommandRoute* route = registry->find_command(parsed_command->name);
  if (route == nullptr) co_return;  // unknown commands are ignored

  bool webhook_reply = scope.env->var_or("TELEGRAM_WEBHOOK_REPLY", "true") != "false";
  BotApi api(scope, webhook_reply);
  CommandContext context(scope, route->module->name, api, *update, *message, parsed_command->name,
                         parsed_command->args);
  context.set_active_modules(registry->modules());
  try {
    co_await route->command->handler(context);
  } catch (const std::exception& error) {
    scope.log.error("handler failed", {{"module", route->module->name},
                                       {"command", route->command->name},
                                       {"update_id", update->update_id},
                                       {"error", error.what()}});
  }
  std::optional<Json> reply = api.take_webhook_reply();
  respond(request, 200, reply ? reply->dump() : std::string());
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
    respond(request, 500, summary.dump());
    co_return;
  }

  std::vector<CronRun> runs = matching_crons(*registry, cron);
  if (runs.empty()) {
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
  respond(request, 200, summary.dump());
}

}  // namespace miti::dispatch
