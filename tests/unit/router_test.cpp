// Routing: from the update and the registry's tables to the handler (no I/O).
// The order and conflict rules are the ones docs/handling-updates.md states.
#include "dispatch/router.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "miti/module.hpp"
#include "registry/registry.hpp"

namespace {

using miti::Json;
using miti::ModuleDefinition;
using miti::Task;
using miti::dispatch::Route;
using miti::dispatch::route_update;
using miti::dispatch::RouteKind;
using miti::registry::ModuleEntry;
using miti::registry::Registry;
using miti::registry::RegistryError;

Task<void> h(miti::Context&) {
  co_return;
}

std::array<ModuleDefinition, 3> slots;
template <std::size_t I>
ModuleDefinition slot() {
  return slots[I];
}
const std::array<ModuleEntry, 3> kEntries = {
    {{"alpha", &slot<0>}, {"beta", &slot<1>}, {"gamma", &slot<2>}}};

void reset() {
  slots[0] = {.name = "alpha",
              .commands = {{.name = "a", .description = "a", .handler = h},
                           {.name = "edit", .description = "e", .handler = h, .edits = true},
                           {.name = "look", .description = "l", .handler = h, .read_only = true}},
              .callbacks = {{"press", h}},
              .messages = {{.name = "groups_replies",
                            .chats = miti::kGroupChats,
                            .replies_only = true,
                            .handler = h},
                           {.name = "private_all", .chats = miti::kPrivateChats, .handler = h}}};
  slots[1] = {
      .name = "beta",
      .commands = {{.name = "b", .description = "b", .handler = h}},
      .callbacks = {{"press", h}},
      .messages = {{.name = "everything", .chats = miti::kAllChats, .edits = true, .handler = h}},
      .steps = {{"answer", h}},
      .on_membership = h,
      .on_unknown_command = h};
  slots[2] = {.name = "gamma", .on_membership = h, .on_unknown_command = h};
}

Registry build(std::string_view modules, bool has_db = true) {
  return Registry::build(kEntries, modules, {.has_db = has_db});
}

miti::telegram::Update update(std::string_view json) {
  auto parsed = miti::telegram::parse_update(Json::parse(json));
  REQUIRE(parsed);
  return std::move(*parsed);
}

std::string message(std::string_view text, std::string_view chat_type = "private",
                    std::string_view extra = "") {
  std::string entities;
  if (text.starts_with('/')) {
    std::size_t length = text.find(' ');
    if (length == std::string_view::npos) length = text.size();
    entities = R"(, "entities": [{"type": "bot_command", "offset": 0, "length": )" +
               std::to_string(length) + "}]";
  }
  return R"({"update_id": 1, "message": {"message_id": 5, "date": 1, "chat": {"id": )" +
         std::string(chat_type == "private" ? "7" : "-100") + R"(, "type": ")" +
         std::string(chat_type) + R"("}, "from": {"id": 7, "is_bot": false, "first_name": "A"},
         "text": ")" +
         std::string(text) + "\"" + entities + std::string(extra) + "}}";
}

}  // namespace

TEST_CASE("router: commands, @bot, unknown commands and the fallback", "[router]") {
  reset();
  Registry registry = build("alpha,beta,gamma");
  Route route = route_update(update(message("/a hello")), registry, "bot");
  REQUIRE(route.kind == RouteKind::kCommand);
  CHECK(route.command_route->module->name == "alpha");
  CHECK(route.command.args == "hello");
  CHECK(route.ends_conversation);  // beta declares steps
  CHECK_FALSE(route.read_only);
  CHECK(route_update(update(message("/look")), registry, "bot").read_only);

  CHECK(route_update(update(message("/a@bot")), registry, "bot").kind == RouteKind::kCommand);
  Route other_bot = route_update(update(message("/a@other")), registry, "bot");
  CHECK(other_bot.kind == RouteKind::kIgnore);

  Route unknown = route_update(update(message("/zzz")), registry, "bot");
  REQUIRE(unknown.kind == RouteKind::kUnknownCommand);
  CHECK(unknown.fallback->name == "beta");  // the first module with a fallback, in MODULES order
  CHECK(unknown.read_only);
  CHECK(route_update(update(message("/zzz")), build("gamma,beta"), "bot").fallback->name ==
        "gamma");
  CHECK(route_update(update(message("/zzz")), build("alpha"), "bot").kind == RouteKind::kIgnore);
}

TEST_CASE("router: plain messages go to the first matching handler in MODULES order", "[router]") {
  reset();
  Registry registry = build("alpha,beta");
  Route in_private = route_update(update(message("hi")), registry, "bot");
  REQUIRE(in_private.kind == RouteKind::kPlainMessage);
  CHECK(in_private.may_continue_conversation);
  CHECK(in_private.message_route->handler->name == "private_all");

  // In a group, alpha wants only replies to the bot: beta's catch-all hears it.
  Route in_group = route_update(update(message("hi", "supergroup")), registry, "bot");
  CHECK(in_group.message_route->handler->name == "everything");

  const char* reply_to_bot =
      R"(, "reply_to_message": {"message_id": 4, "date": 1, "chat": {"id": -100, "type": "supergroup"},
          "from": {"id": 99, "is_bot": true, "first_name": "B", "username": "Bot"}, "text": "q"})";
  Route reply =
      route_update(update(message("an answer", "supergroup", reply_to_bot)), registry, "bot");
  CHECK(reply.message_route->handler->name == "groups_replies");
  // A reply to another bot is not a reply to this one.
  CHECK(route_update(update(message("x", "supergroup", reply_to_bot)), registry, "other_bot")
            .message_route->handler->name == "everything");

  // Order follows MODULES.
  CHECK(route_update(update(message("hi")), build("beta,alpha"), "bot")
            .message_route->handler->name == "everything");
}

TEST_CASE("router: a plain message without a handler of its own takes no delivery record",
          "[router]") {
  reset();
  slots[1].messages.clear();  // beta: only a conversation step left
  Registry steps_only = build("beta");
  Route answer = route_update(update(message("my answer")), steps_only, "bot");
  REQUIRE(answer.kind == RouteKind::kPlainMessage);
  CHECK(answer.may_continue_conversation);
  // Taking the question deletes it: that alone keeps the step at most once.
  CHECK(answer.read_only);

  reset();
  Route handled = route_update(update(message("hi")), build("alpha"), "bot");
  REQUIRE(handled.message_route);
  CHECK_FALSE(handled.read_only);  // private_all may have effects: recorded
}

TEST_CASE("router: a plain-message handler never gets a command", "[router]") {
  reset();
  Registry registry = build("beta");
  CHECK(route_update(update(message("/b")), registry, "bot").kind == RouteKind::kCommand);
  // Not even a command for another bot, or one nobody declares.
  CHECK(route_update(update(message("/b@other_bot")), registry, "bot").kind == RouteKind::kIgnore);
  CHECK(route_update(update(message("/nope")), registry, "bot").kind == RouteKind::kUnknownCommand);
}

TEST_CASE("router: without a handler or steps, plain text is ignored", "[router]") {
  reset();
  Registry registry = build("gamma");
  CHECK(route_update(update(message("hi")), registry, "bot").kind == RouteKind::kIgnore);
}

TEST_CASE("router: edits reach only what opted in", "[router]") {
  reset();
  auto edited = [](std::string_view text) {
    std::string json = message(text);
    json.replace(json.find("\"message\""), 9, "\"edited_message\"");
    return update(json);
  };
  Registry registry = build("alpha,beta");
  CHECK(route_update(edited("/a x"), registry, "bot").kind == RouteKind::kIgnore);
  CHECK(route_update(edited("/edit x"), registry, "bot").kind == RouteKind::kEditedCommand);
  Route plain = route_update(edited("plain"), registry, "bot");
  REQUIRE(plain.kind == RouteKind::kEditedMessage);
  CHECK(plain.message_route->handler->name == "everything");  // private_all has no edits
  CHECK(route_update(edited("plain"), build("alpha"), "bot").kind == RouteKind::kIgnore);
}

TEST_CASE("router: button presses by their data; anything else is stale", "[router]") {
  reset();
  Registry registry = build("alpha,beta");
  auto press = [](std::string_view data) {
    return update(R"({"update_id": 2, "callback_query": {"id": "q", "chat_instance": "c",
        "from": {"id": 7, "is_bot": false, "first_name": "A"}, "data": ")" +
                  std::string(data) + "\"}}");
  };
  Route beta = route_update(press("beta:press:42:x"), registry, "bot");
  REQUIRE(beta.kind == RouteKind::kCallback);
  CHECK(beta.callback->module->name == "beta");  // same name in two modules: no collision
  CHECK(beta.payload == "42:x");
  CHECK(route_update(press("alpha:press:"), registry, "bot").callback->module->name == "alpha");
  for (const char* stale : {"gamma:press:1", "alpha:nope:1", "forged", "", "delete:12"}) {
    INFO(stale);
    CHECK(route_update(press(stale), registry, "bot").kind == RouteKind::kStaleCallback);
  }
  // A module left out of MODULES no longer owns its old buttons.
  CHECK(route_update(press("beta:press:1"), build("alpha"), "bot").kind ==
        RouteKind::kStaleCallback);
}

TEST_CASE("router: membership changes go to every module that asked", "[router]") {
  reset();
  auto change = update(R"({"update_id": 3, "my_chat_member": {
      "chat": {"id": -100, "type": "supergroup"}, "from": {"id": 7, "is_bot": false, "first_name": "A"},
      "date": 1, "old_chat_member": {"status": "left", "user": {"id": 99, "is_bot": true, "first_name": "B"}},
      "new_chat_member": {"status": "member", "user": {"id": 99, "is_bot": true, "first_name": "B"}}}})");
  CHECK(change.my_chat_member->joined());
  CHECK(route_update(change, build("alpha,beta,gamma"), "bot").kind == RouteKind::kMembership);
  CHECK(build("gamma,alpha,beta").membership_modules().size() == 2);
  CHECK(build("gamma,alpha,beta").membership_modules()[0]->name == "gamma");
  CHECK(route_update(change, build("alpha"), "bot").kind == RouteKind::kIgnore);
}

TEST_CASE("registry: declarations are checked, naming module and declaration",
          "[router][registry]") {
  using Catch::Matchers::Contains;
  reset();
  slots[0].callbacks.push_back({"press", h});
  CHECK_THROWS_WITH(build("alpha"), "module 'alpha', callback 'press': declared twice");
  reset();
  slots[0].callbacks = {{"Bad-Name", h}};
  CHECK_THROWS_WITH(build("alpha"),
                    Contains("callback 'Bad-Name': name must match ^[a-z0-9_]{1,16}$"));
  reset();
  slots[0].callbacks = {{"x", nullptr}};
  CHECK_THROWS_WITH(build("alpha"), "module 'alpha', callback 'x': has no handler");
  reset();
  slots[0].messages = {{.name = "none", .chats = 0, .handler = h}};
  CHECK_THROWS_WITH(build("alpha"), Contains("message handler 'none': chats must be"));
  reset();
  slots[1].steps.push_back({"answer", h});
  CHECK_THROWS_WITH(build("beta"), "module 'beta', step 'answer': declared twice");
  reset();
  CHECK_THROWS_WITH(
      build("beta", /*has_db=*/false),
      Contains("module 'beta' declares conversation steps, which need the DB binding"));
  CHECK_NOTHROW(build("alpha", /*has_db=*/false));
}

TEST_CASE("registry: /cancel and the framework's trim come with the framework module",
          "[router][registry]") {
  reset();
  Registry with_steps = build("alpha,beta");
  REQUIRE(with_steps.find_command("cancel") != nullptr);
  CHECK(with_steps.find_command("cancel")->module->name == "miti");
  Registry without = build("alpha");
  CHECK(without.find_command("cancel") == nullptr);
  bool trim = false;
  for (const auto& cron : without.crons())
    trim = trim || (cron.module->name == "miti" && cron.cron->name == "trim");
  CHECK(trim);
}

TEST_CASE("registry: allowed_updates follows what the modules handle", "[router][registry]") {
  reset();
  CHECK(build("alpha").allowed_updates() ==
        std::vector<std::string>{"message", "edited_message", "channel_post", "edited_channel_post",
                                 "callback_query"});
  CHECK(build("gamma").allowed_updates() ==
        std::vector<std::string>{"message", "channel_post", "my_chat_member"});
  slots[0] = {.name = "alpha", .commands = {{.name = "a", .description = "a", .handler = h}}};
  CHECK(build("alpha").allowed_updates() == std::vector<std::string>{"message", "channel_post"});
}
