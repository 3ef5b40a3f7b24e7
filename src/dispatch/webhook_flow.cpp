// One update, from the webhook body to the handler and back: parse, route
// (dispatch/router.hpp), admit (the at-most-once record and the pending
// conversation, dispatch/delivery.hpp), run, answer.
#include <charconv>

#include "dispatch/conversations.hpp"
#include "dispatch/delivery.hpp"
#include "dispatch/router.hpp"
#include "dispatch/worker.hpp"
#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "miti/error.hpp"
#include "miti/telegram.hpp"

namespace miti::dispatch {

// What admission found out.
struct Admission {
  bool run = false;
  std::optional<Claim> claim;                // held: mark done afterwards
  std::optional<Conversation> conversation;  // the sender's taken question
};

namespace {

constexpr std::int64_t kDefaultBackgroundAfterMs = 10'000;
// A Worker may go on for 30 s after its answer (waitUntil); keep a margin.
constexpr std::int64_t kAfterAnswerMs = 25'000;
constexpr int kMaxLooks = 40;

std::int64_t env_ms(const Env& env, std::string_view name, std::int64_t fallback) {
  std::optional<std::string_view> raw = env.var(name);
  if (!raw || raw->empty()) return fallback;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  return error == std::errc() && end == raw->data() + raw->size() && value >= 0 ? value : fallback;
}

const char* handler_name(const Route& route) {
  switch (route.kind) {
    case RouteKind::kCommand:
    case RouteKind::kEditedCommand:
      return "command";
    case RouteKind::kUnknownCommand:
      return "on_unknown_command";
    case RouteKind::kPlainMessage:
    case RouteKind::kEditedMessage:
      return "message";
    case RouteKind::kCallback:
    case RouteKind::kStaleCallback:
      return "callback";
    case RouteKind::kMembership:
      return "on_membership";
    case RouteKind::kIgnore:
      break;
  }
  return "none";
}

bool is_framework_cancel(const Route& route) {
  return route.kind == RouteKind::kCommand &&
         route.command_route->module->name == registry::kFrameworkModule &&
         route.command_route->command->name == "cancel";
}

// Runs one handler, logging (never rethrowing) what it throws as
// {module, command or handler, update_id, error}.
Task<void> run_handler(runtime::RequestScope& scope, Handler handler, Context& context,
                       std::string_view what, std::int64_t update_id) {
  try {
    co_await handler(context);
  } catch (const std::exception& error) {
    const bool command =
        context.kind() == UpdateKind::kCommand || context.kind() == UpdateKind::kEditedCommand;
    scope.log.error("handler failed", {{"module", context.module_name()},
                                       {command ? "command" : "handler", what},
                                       {"update_id", update_id},
                                       {"error", error.what()}});
  }
}

// One handler to run for an update: whose, which, and what it is told.
struct HandlerRun {
  const ModuleDefinition* module = nullptr;
  Handler handler = nullptr;
  std::string_view name;
  detail::RoutedUpdate routed;
};

detail::RoutedUpdate routed_as(const Route& route, UpdateKind kind) {
  detail::RoutedUpdate routed;
  routed.kind = kind;
  routed.message = route.message;
  routed.command = route.command.name;
  routed.args = route.command.args;
  routed.payload = route.payload;
  return routed;
}

// The handlers a routed update runs, in order (several only for membership
// changes: every module that asked is told, one after the other).
std::vector<HandlerRun> handlers_for(const Route& route, const registry::Registry& registry,
                                     Admission& admission, runtime::RequestScope& scope) {
  std::vector<HandlerRun> runs;
  auto add = [&](const ModuleDefinition& module, Handler handler, std::string_view name,
                 detail::RoutedUpdate routed) {
    runs.push_back({&module, handler, name, std::move(routed)});
  };
  switch (route.kind) {
    case RouteKind::kCommand:
    case RouteKind::kEditedCommand:
      add(*route.command_route->module, route.command_route->command->handler, route.command.name,
          routed_as(route, route.kind == RouteKind::kCommand ? UpdateKind::kCommand
                                                             : UpdateKind::kEditedCommand));
      break;
    case RouteKind::kUnknownCommand:
      add(*route.fallback, route.fallback->on_unknown_command, "on_unknown_command",
          routed_as(route, UpdateKind::kUnknownCommand));
      break;
    case RouteKind::kPlainMessage:
    case RouteKind::kEditedMessage: {
      const std::optional<Conversation>& conversation = admission.conversation;
      const registry::StepRoute* step =
          conversation ? registry.find_step(conversation->module, conversation->step) : nullptr;
      if (conversation && step == nullptr) {
        scope.log.warn("conversation dropped: its step is not declared (any more)",
                       {{"module", conversation->module}, {"step", conversation->step}});
      }
      if (step != nullptr) {
        detail::RoutedUpdate routed = routed_as(route, UpdateKind::kStep);
        routed.step = conversation->step;
        routed.state = std::move(admission.conversation->state);
        add(*step->module, step->step->handler, step->step->name, std::move(routed));
      } else if (route.message_route) {
        add(*route.message_route->module, route.message_route->handler->handler,
            route.message_route->handler->name,
            routed_as(route, route.kind == RouteKind::kPlainMessage ? UpdateKind::kMessage
                                                                    : UpdateKind::kEditedMessage));
      }
      break;
    }
    case RouteKind::kCallback:
      add(*route.callback->module, route.callback->callback->handler,
          route.callback->callback->name, routed_as(route, UpdateKind::kCallback));
      break;
    case RouteKind::kMembership:
      for (const ModuleDefinition* module : registry.membership_modules()) {
        add(*module, module->on_membership, "on_membership",
            routed_as(route, UpdateKind::kMembership));
      }
      break;
    case RouteKind::kIgnore:
    case RouteKind::kStaleCallback:
      break;
  }
  return runs;
}

}  // namespace

Task<void> Worker::webhook_flow(ActiveRequest& request) {
  runtime::RequestScope& scope = request.scope;
  const Env& env = *scope.env;
  scope.deadline_ms = runtime_.now_ms() +
                      env_ms(env, "MITI_BACKGROUND_AFTER_MS", kDefaultBackgroundAfterMs) +
                      kAfterAnswerMs;

  std::optional<Json> parsed = Json::try_parse(request.body);
  const std::size_t body_bytes = request.body.size();
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

  std::shared_ptr<const registry::Registry> registry;
  try {
    registry = co_await registry_.get(scope);
  } catch (const std::exception& error) {
    scope.log.error("registry build failed",
                    {{"update_id", update->update_id}, {"error", error.what()}});
    co_return;
  }

  const std::string_view username = env.var_or("TELEGRAM_BOT_USERNAME", "");
  Route route = route_update(*update, *registry, username);
  if (route.kind == RouteKind::kIgnore) co_return;

  BotApi api(scope, env.var_or("TELEGRAM_WEBHOOK_REPLY", "true") != "false");
  request.api = &api;
  scope.respond_now = [](void* worker, runtime::RequestId id) {
    static_cast<Worker*>(worker)->respond_now(id);
  };
  scope.respond_now_owner = this;

  if (route.kind == RouteKind::kStaleCallback) {
    // Old buttons of a removed module, or forged data: stop the spinner, do
    // nothing else.
    scope.log.info("button press ignored: no module handles its data",
                   {{"update_id", update->update_id}});
    co_await api.answer_callback_query(update->callback_query->id);
    // The held call, or nothing (not "null") when it went through the Bot API.
    std::optional<Json> held = api.take_webhook_reply();
    request.respond(200, held ? held->dump() : std::string());
    request.api = nullptr;
    co_return;
  }

  // ---- admission: the delivery record and the sender's conversation
  Admission admission = co_await admit(request, *update, route);
  if (!admission.run) {
    request.api = nullptr;
    co_return;
  }

  // ---- the handler(s): one Context per handler, built in one place
  const std::int64_t update_id = update->update_id;
  std::vector<HandlerRun> runs = handlers_for(route, *registry, admission, scope);
  for (HandlerRun& run : runs) {
    Context context(scope, *run.module, api, *update, std::move(run.routed));
    context.set_active_modules(registry->modules());
    co_await run_handler(scope, run.handler, context, run.name, update_id);
  }

  // A button press is always answered, so its spinner stops.
  if (route.kind == RouteKind::kCallback && !api.answered(update->callback_query->id)) {
    try {
      co_await api.answer_callback_query(update->callback_query->id);
    } catch (const std::exception& error) {
      scope.log.warn("could not answer the button press", {{"error", error.what()}});
    }
  }

  std::optional<Json> reply = api.take_webhook_reply();
  request.respond(200, reply ? reply->dump() : std::string());
  request.api = nullptr;

  // After the answer: Telegram need not wait for the bookkeeping.
  if (admission.claim) {
    try {
      SqlStore sql(scope, std::string(registry::kFrameworkModule));
      co_await sql.run(finish_update(*admission.claim));
    } catch (const std::exception& error) {
      scope.log.warn("could not mark the update done; its record expires with its lease",
                     {{"update_id", update_id}, {"error", error.what()}});
    }
  }
}

// The delivery record (when the bot has a DB and records deliveries) and the
// statements about the sender's conversation, in one round trip.
Task<Admission> Worker::admit(ActiveRequest& request, const telegram::Update& update,
                              const Route& route) {
  runtime::RequestScope& scope = request.scope;
  const Env& env = *scope.env;
  Admission admission;
  const bool has_db = env.has_binding("DB");
  const bool record = has_db && !route.read_only && env.var_or("MITI_DEDUP", "on") != "off";
  if (!has_db && !dedup_warning_logged_) {
    dedup_warning_logged_ = true;
    scope.log.info(
        "no DB binding: re-delivered updates are not recognised (at-most-once needs D1)");
  }

  // Conversation statements (only when some module declares steps).
  const Sender sender = route.message != nullptr ? sender_of(*route.message) : Sender{};
  const std::int64_t chat_id = route.message != nullptr ? route.message->chat.id : 0;
  const bool end = route.ends_conversation && !is_framework_cancel(route);
  const bool take = route.kind == RouteKind::kPlainMessage && route.may_continue_conversation;

  SqlStore sql(scope, std::string(registry::kFrameworkModule));
  auto conversation_from = [&](const std::vector<SqlRow>& rows) {
    return taken_conversation(rows, chat_id, sender.id, runtime_.now_ms());
  };

  // Without a record: the conversation statements on their own.
  auto unrecorded = [&]() -> Task<Admission> {
    Admission plain{.run = true};
    try {
      if (end) co_await sql.run(end_conversation(chat_id, sender.id, {}));
      if (take) {
        plain.conversation = conversation_from(
            co_await sql.all(take_conversation(chat_id, sender.id, update.update_id, {})));
      }
    } catch (const std::exception& error) {
      scope.log.warn("conversation lookup failed", {{"error", error.what()}});
    }
    co_return plain;
  };
  if (!record) co_return co_await unrecorded();

  Claim claim{update.update_id, claim_token()};
  for (int look = 0; look < kMaxLooks; ++look) {
    std::vector<SqlStatement> batch;
    batch.push_back(claim_update(claim, runtime_.now_ms(), kDeliveryLeaseMs));
    if (end) batch.push_back(end_conversation(chat_id, sender.id, guard_for(claim)));
    if (take) {
      batch.push_back(take_conversation(chat_id, sender.id, update.update_id, guard_for(claim)));
    }
    std::vector<SqlBatchResult> results;
    std::string record_error;
    try {
      results = co_await sql.batch(batch);
    } catch (const std::exception& error) {
      record_error = error.what();
    }
    if (!record_error.empty()) {
      // Telegram is answered 200 either way, so it will not re-send: running
      // without a record still takes effect once.
      scope.log.warn("could not record the delivery; running without it",
                     {{"update_id", update.update_id}, {"error", record_error}});
      co_return co_await unrecorded();
    }
    if (claimed(results.front().rows, claim)) {
      admission.run = true;
      admission.claim = claim;
      if (take) admission.conversation = conversation_from(results.back().rows);
      co_return admission;
    }

    // Someone else has (or had) this update.
    Observed record_now = observed(co_await sql.all(read_update(update.update_id)));
    const std::int64_t now = runtime_.now_ms();
    switch (judge(record_now, now)) {
      case Verdict::kSkip:
        scope.log.info("update already handled; re-delivery skipped",
                       {{"update_id", update.update_id}, {"handler", handler_name(route)}});
        co_return admission;
      case Verdict::kRun:
      case Verdict::kTakeOver:
        continue;  // claim again: the record is gone or its lease has run out
      case Verdict::kWait: {
        const std::int64_t wait = wait_before_look(look, now, record_now.lease_until);
        if (now + wait > scope.deadline_ms) {
          scope.log.warn(
              "update still being handled by an earlier delivery; leaving it to that one",
              {{"update_id", update.update_id}});
          co_return admission;
        }
        co_await runtime::host_sleep(scope, wait);
        break;
      }
    }
  }
  scope.log.warn("gave up waiting for an earlier delivery", {{"update_id", update.update_id}});
  co_return admission;
}

}  // namespace miti::dispatch
