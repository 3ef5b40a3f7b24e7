// misc's commands through the Worker, as Telegram would drive them. Each
// scenario runs in a forked child, so that a crash fails one test, not the suite.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "fake_host.hpp"
#include "isolated.hpp"
#include "registry/module_index.hpp"
#include "worker_harness.hpp"

namespace {

using miti::Json;
using miti_test::command_update;
using miti_test::ok;
using miti_test::run_isolated;
using miti_test::WorkerHarness;

std::span<const miti::registry::ModuleEntry> compiled() {
  return miti::registry::compiled_modules();
}

// An in-memory KV answering every op synchronously.
void serve_kv(miti_test::FakeHost& host, std::map<std::string, std::string>& kv) {
  host.auto_reply = [&kv](const miti_test::SubmittedOp& op) -> std::optional<miti_test::Reply> {
    if (op.op.at("op").as_string() == "kv.put") {
      kv[op.op.at("key").as_string()] = op.op.at("value").as_string();
      return ok();
    }
    if (op.op.at("op").as_string() == "kv.get") {
      auto it = kv.find(op.op.at("key").as_string());
      return it == kv.end() ? ok(nullptr) : ok(it->second);
    }
    return miti_test::fail("unexpected op");
  };
}

}  // namespace

TEST_CASE("/ping records the time and answers pong, even when KV fails", "[modules]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "util,misc"}});
    h.webhook(1, command_update(1, 42, "/ping"));
    std::string first_op = h.host.ops.at(0).op.dump();
    h.host.answer_index(0, miti_test::fail("KV write limit"));
    return first_op + "\n" + h.host.responses.at(0).body + "\n" +
           std::to_string(h.host.logs_at("warn").size()) +
           std::to_string(h.host.logs_at("error").size());
  });
  REQUIRE_FALSE(out.starts_with("<"));
  auto first_nl = out.find('\n');
  auto second_nl = out.find('\n', first_nl + 1);
  Json op = Json::parse(out.substr(0, first_nl));
  CHECK(op.at("op").as_string() == "kv.put");
  CHECK(op.at("key").as_string() == "misc:last_ping");
  CHECK(Json::parse(out.substr(first_nl + 1, second_nl - first_nl - 1)) ==
        miti_test::webhook_reply(42, "pong"));
  CHECK(out.substr(second_nl + 1) == "10");  // one warning, no error
}

TEST_CASE("/mstats reports never, then the last ping; private /fortytwo still answers",
          "[modules]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "misc"}});
    h.host.now = 1795757400123.0;
    std::map<std::string, std::string> kv;
    serve_kv(h.host, kv);
    h.webhook(1, command_update(1, 42, "/mstats"));
    h.webhook(2, command_update(2, 42, "/ping"));
    h.webhook(3, command_update(3, 42, "/mstats"));
    h.webhook(4, command_update(4, 42, "/fortytwo"));
    std::string texts;
    for (int i : {0, 2, 3})
      texts += h.host.responses.at(i).json().at("text").get<std::string>() + "|";
    return texts;
  });
  CHECK(out == "last ping: never|last ping: 2026-11-27T05:30:00.123Z|The answer.|");
}
