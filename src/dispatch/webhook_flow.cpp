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
  scope.respond_now = [this, id = scope.id] { respond_now(id); };

  if (route.kind == RouteKind::kStaleCallback) {
    // Old buttons of a removed module, or forged data: stop the spinner, do
    // nothing else.
    scope.log.info("button press ignored: no module handles its data",
                   {{"update_id", update->update_id}});
    co_await api.answer_callback_query(update->callback_query->id);
    request.respond(200, api.take_webhook_reply().value_or(Json()).dump());
    request.api = nullptr;
    co_return;
  }

  // ---- admission: the delivery record and the sender's conversation
  Admission admission = co_await admit(request, *update, route);
  if (!admission.run) {
    request.api = nullptr;
    co_return;
  }

  // ---- the handler(s)
  auto routed = [&](UpdateKind kind) {
    detail::RoutedUpdate r;
    r.kind = kind;
    r.message = route.message;
    r.command = route.command.name;
    r.args = route.command.args;
    r.payload = route.payload;
    return r;
  };
  const std::int64_t update_id = update->update_id;
  switch (route.kind) {
    case RouteKind::kCommand:
    case RouteKind::kEditedCommand: {
      Context context(scope, *route.command_route->module, api, *update,
                      routed(route.kind == RouteKind::kCommand ? UpdateKind::kCommand
                                                               : UpdateKind::kEditedCommand));
      context.set_active_modules(registry->modules());
      co_await run_handler(scope, route.command_route->command->handler, context,
                           route.command.name, update_id);
      break;
    }
    case RouteKind::kUnknownCommand: {
      Context context(scope, *route.fallback, api, *update, routed(UpdateKind::kUnknownCommand));
      context.set_active_modules(registry->modules());
      co_await run_handler(scope, route.fallback->on_unknown_command, context, "on_unknown_command",
                           update_id);
      break;
    }
    case RouteKind::kPlainMessage:
    case RouteKind::kEditedMessage: {
      const registry::StepRoute* step =
          admission.conversation
              ? registry->find_step(admission.conversation->module, admission.conversation->step)
              : nullptr;
      if (admission.conversation && step == nullptr) {
        scope.log.warn(
            "conversation dropped: its step is not declared (any more)",
            {{"module", admission.conversation->module}, {"step", admission.conversation->step}});
      }
      if (step != nullptr) {
        detail::RoutedUpdate r = routed(UpdateKind::kStep);
        r.step = admission.conversation->step;
        r.state = std::move(admission.conversation->state);
        Context context(scope, *step->module, api, *update, std::move(r));
        context.set_active_modules(registry->modules());
        co_await run_handler(scope, step->step->handler, context, step->step->name, update_id);
      } else if (route.message_route) {
        Context context(
            scope, *route.message_route->module, api, *update,
            routed(route.kind == RouteKind::kPlainMessage ? UpdateKind::kMessage
                                                          : UpdateKind::kEditedMessage));
        context.set_active_modules(registry->modules());
        co_await run_handler(scope, route.message_route->handler->handler, context,
                             route.message_route->handler->name, update_id);
      }
      break;
    }
    case RouteKind::kCallback: {
      Context context(scope, *route.callback->module, api, *update, routed(UpdateKind::kCallback));
      context.set_active_modules(registry->modules());
      co_await run_handler(scope, route.callback->callback->handler, context,
                           route.callback->callback->name, update_id);
      break;
    }
    case RouteKind::kMembership:
      // Every module that asked is told, one after the other.
      for (const ModuleDefinition* module : registry->membership_modules()) {
        Context context(scope, *module, api, *update, routed(UpdateKind::kMembership));
        context.set_active_modules(registry->modules());
        co_await run_handler(scope, module->on_membership, context, "on_membership", update_id);
      }
      break;
    case RouteKind::kIgnore:
    case RouteKind::kStaleCallback:
      break;
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
        plain.conversation =
            conversation_from(co_await sql.all(take_conversation(chat_id, sender.id, {})));
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
    if (take) batch.push_back(take_conversation(chat_id, sender.id, guard_for(claim)));
    std::vector<SqlBatchResult> results;
    std::string record_error;
    try {
      results = co_await sql.batch(std::move(batch));
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
