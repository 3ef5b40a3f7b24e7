// util's commands through the Worker, as Telegram would drive them. Each
// scenario runs in a forked child, so that a crash fails one test, not the suite.
#include <catch2/catch.hpp>
#include <string>

#include "fake_host.hpp"
#include "isolated.hpp"
#include "registry/module_index.hpp"
#include "worker_harness.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::Json;
using miti_test::command_update;
using miti_test::run_isolated;
using miti_test::WorkerHarness;

std::span<const miti::registry::ModuleEntry> compiled() {
  return miti::registry::compiled_modules();
}

}  // namespace

TEST_CASE("/help lists the running modules as HTML", "[modules]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "util,misc"}});
    h.webhook(1, command_update(1, 42, "/help"));
    return h.host.responses.at(0).body;
  });
  INFO("child: " << out);
  REQUIRE_FALSE(out.starts_with("<"));
  Json body = Json::parse(out);
  CHECK(body.at("parse_mode") == "HTML");
  std::string text = body.at("text").as_string();
  CHECK(text.starts_with("<b>util</b>\n/help"));
  CHECK_THAT(text, Contains("<b>misc</b>") && Contains("/mstats") && Contains("(protected)"));
  CHECK(text.find("fortytwo") == std::string::npos);
}

TEST_CASE("/info shows ids, and n/a for what is missing", "[modules]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "util"}});
    Json post = command_update(1, -1001, "/info", "channel_post");
    post["channel_post"].erase("from");
    h.webhook(1, post);
    Json topic = command_update(2, -100, "/info");
    topic["message"]["message_thread_id"] = 9;
    topic["message"]["is_topic_message"] = true;
    h.webhook(2, topic);
    return h.host.responses.at(0).json().at("text").get<std::string>() + "|" +
           h.host.responses.at(1).json().at("text").get<std::string>();
  });
  CHECK(out ==
        "chat id: -1001\nthread id: n/a\nsender id: n/a|"
        "chat id: -100\nthread id: 9\nsender id: 400");
}

TEST_CASE("an unknown command: a pointer to /help in private chats, silence in groups",
          "[modules]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "util"}});
    h.webhook(1, command_update(1, 42, "/nosuch"));
    Json group = command_update(2, -100, "/nosuch");
    group["message"]["chat"]["type"] = "supergroup";
    h.webhook(2, group);
    return h.host.responses.at(0).json().at("text").as_string() + "|" + h.host.responses.at(1).body;
  });
  CHECK(out == "I don't know /nosuch. Send /help to see what I can do.|");
}
