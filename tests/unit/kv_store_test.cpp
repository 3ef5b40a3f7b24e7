// KvStore against the scripted host: per-module prefixes, list isolation,
// key and TTL limits checked before any op, missing binding, JSON helpers.
#include "miti/kv_store.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

#include "fake_host.hpp"
#include "miti/error.hpp"
#include "miti/fields.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::Json;
using miti::KvListOptions;
using miti::KvListResult;
using miti::KvStore;
using miti::UsageError;
using miti_test::ok;
using miti_test::Reply;
using miti_test::run_now;
using miti_test::ScopeHarness;
using miti_test::SubmittedOp;

// A tiny in-memory Workers KV behind the fake host, shared by every module.
struct KvHarness : ScopeHarness {
  KvHarness() : ScopeHarness(miti_test::make_env({}, {"KV"})) {
    host.auto_reply = [this](const SubmittedOp& submitted) -> std::optional<Reply> {
      const Json& op = submitted.op;
      std::string kind = op.at("op").as_string();
      if (kind == "kv.get") {
        auto it = data.find(op.at("key").as_string());
        return it == data.end() ? ok(nullptr) : ok(it->second);
      }
      if (kind == "kv.put") {
        data[op.at("key").as_string()] = op.at("value").as_string();
        return ok();
      }
      if (kind == "kv.delete") {
        data.erase(op.at("key").get<std::string>());
        return ok();
      }
      if (kind == "kv.list") {
        Json keys = Json::array();
        std::string prefix = op.at("prefix").as_string();
        for (const auto& [key, value] : data) {
          if (key.starts_with(prefix)) keys.push_back(key);
        }
        return ok({{"keys", keys}, {"done", true}, {"cursor", ""}});
      }
      return miti_test::fail("unexpected op");
    };
  }
  std::map<std::string, std::string> data;
};

}  // namespace

TEST_CASE("keys are stored as '<module>:<key>'", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "misc");
  CHECK(db.key_prefix() == "misc:");
  run_now(db.put("last_ping", "now"));
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].op == Json{{"op", "kv.put"}, {"key", "misc:last_ping"}, {"value", "now"}});
  CHECK(h.data.at("misc:last_ping") == "now");

  CHECK(run_now(db.get("last_ping")) == "now");
  CHECK(h.host.ops[1].op == Json{{"op", "kv.get"}, {"key", "misc:last_ping"}});
  CHECK(run_now(db.get("missing")) == std::nullopt);

  run_now(db.remove("last_ping"));
  CHECK(h.host.ops.back().op == Json{{"op", "kv.delete"}, {"key", "misc:last_ping"}});
  CHECK(h.data.empty());
}

TEST_CASE("two modules never see each other's keys", "[kv]") {
  KvHarness h;
  KvStore a(h.scope, "alpha");
  KvStore b(h.scope, "beta");
  run_now(a.put("shared", "from alpha"));
  run_now(b.put("shared", "from beta"));
  CHECK(run_now(a.get("shared")) == "from alpha");
  CHECK(run_now(b.get("shared")) == "from beta");
  run_now(a.remove("shared"));
  CHECK(run_now(b.get("shared")) == "from beta");
}

TEST_CASE("list prefixes the module, strips it from results", "[kv]") {
  KvHarness h;
  h.data = {{"notes:a1", "x"}, {"notes:a2", "x"}, {"notes:b", "x"}, {"other:a3", "x"}};
  KvStore db(h.scope, "notes");
  KvListResult all = run_now(db.list());
  CHECK(all.keys == std::vector<std::string>{"a1", "a2", "b"});
  CHECK(all.done);
  CHECK(h.host.ops[0].op == Json{{"op", "kv.list"}, {"prefix", "notes:"}, {"limit", 1000}});

  KvListResult some = run_now(db.list({.prefix = "a", .limit = 10}));
  CHECK(some.keys == std::vector<std::string>{"a1", "a2"});
  CHECK(h.host.ops[1].op == Json{{"op", "kv.list"}, {"prefix", "notes:a"}, {"limit", 10}});
}

TEST_CASE("list never returns a foreign key, even when the host does", "[kv]") {
  ScopeHarness h(miti_test::make_env({}, {"KV"}));
  // "not" is a prefix of "notes": a careless prefix check would leak these.
  h.host.auto_reply = [](const SubmittedOp&) -> std::optional<Reply> {
    return ok({{"keys", {"not:x", "notes:mine", "other:y", "notesy:z"}}, {"done", true}});
  };
  KvStore db(h.scope, "not");
  KvListResult page = run_now(db.list());
  CHECK(page.keys == std::vector<std::string>{"x"});
}

TEST_CASE("list passes the cursor along and reports unfinished pages", "[kv]") {
  ScopeHarness h(miti_test::make_env({}, {"KV"}));
  h.host.auto_reply = [](const SubmittedOp& op) -> std::optional<Reply> {
    if (!op.op.contains("cursor")) {
      return ok({{"keys", {"m:1", "m:2"}}, {"done", false}, {"cursor", "c-2"}});
    }
    return ok({{"keys", {"m:3"}}, {"done", true}, {"cursor", ""}});
  };
  KvStore db(h.scope, "m");
  KvListResult first = run_now(db.list({.limit = 2}));
  CHECK(first.keys == std::vector<std::string>{"1", "2"});
  CHECK_FALSE(first.done);
  CHECK(first.cursor == "c-2");
  KvListResult second = run_now(db.list({.limit = 2, .cursor = first.cursor}));
  CHECK(h.host.ops[1].op.at("cursor") == "c-2");
  CHECK(second.keys == std::vector<std::string>{"3"});
  CHECK(second.done);
  CHECK(second.cursor.empty());
}

TEST_CASE("list limits outside 1..1000 are refused without an op", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "m");
  for (int limit : {0, -1, 1001}) {
    CHECK_THROWS_AS(run_now(db.list({.limit = limit})), UsageError);
  }
  CHECK(h.host.ops.empty());
}

TEST_CASE("keys over 512 bytes after prefixing are refused before any op", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "misc");  // "misc:" is 5 bytes
  run_now(db.put(std::string(512 - 5, 'k'), "v"));
  CHECK(h.host.ops.size() == 1);

  const std::string too_long(512 - 5 + 1, 'k');
  CHECK_THROWS_WITH(run_now(db.get(too_long)), Contains("513 bytes") && Contains("'misc:'"));
  CHECK_THROWS_AS(run_now(db.put(too_long, "v")), UsageError);
  CHECK_THROWS_AS(run_now(db.remove(too_long)), UsageError);

  // Measured in bytes, not characters: 254 Cyrillic letters are 508 bytes.
  std::string wide;
  for (int i = 0; i < 254; ++i) wide += "ж";
  CHECK_THROWS_AS(run_now(db.put(wide, "v")), UsageError);
  CHECK(h.host.ops.size() == 1);
}

TEST_CASE("an empty key is refused", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "m");
  CHECK_THROWS_AS(run_now(db.get("")), UsageError);
  CHECK(h.host.ops.empty());
}

TEST_CASE("TTLs under 60 seconds are refused before any op; 60 and up are sent", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "m");
  for (int ttl : {59, 0, -5}) {
    CHECK_THROWS_WITH(run_now(db.put("k", "v", ttl)),
                      Contains("at least 60") && Contains(std::to_string(ttl)));
  }
  CHECK_THROWS_AS(run_now(db.put_json("k", {{"a", 1}}, 1)), UsageError);
  CHECK(h.host.ops.empty());

  run_now(db.put("k", "v", 60));
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].op.at("ttl") == 60);
  run_now(db.put("k", "v"));
  CHECK_FALSE(h.host.ops[1].op.contains("ttl"));
}

TEST_CASE("without a KV binding every call is MissingBindingError and sends nothing", "[kv]") {
  ScopeHarness h(miti_test::make_env({}, {"DB"}));
  KvStore db(h.scope, "m");
  CHECK_THROWS_AS(run_now(db.get("k")), miti::MissingBindingError);
  CHECK_THROWS_WITH(run_now(db.put("k", "v")), Contains("KV binding"));
  CHECK_THROWS_AS(run_now(db.list()), miti::MissingBindingError);
  CHECK_THROWS_AS(run_now(db.get_json("k")), miti::MissingBindingError);
  CHECK(h.host.ops.empty());
}

TEST_CASE("a failing KV operation surfaces as HostError in the caller", "[kv]") {
  ScopeHarness h(miti_test::make_env({}, {"KV"}));
  KvStore db(h.scope, "m");
  auto put = db.put("k", "v");
  miti::Task<void> task = miti_test::awaiting(put);
  task.start();
  REQUIRE_FALSE(task.done());
  h.host.answer_index(0, miti_test::fail("KV PUT failed: 429 Too Many Requests"));
  REQUIRE(task.done());
  CHECK_THROWS_WITH(task.result(), "KV PUT failed: 429 Too Many Requests");
}

TEST_CASE("put_json and get_json round-trip", "[kv]") {
  KvHarness h;
  KvStore db(h.scope, "misc");
  Json record = {{"at", "2026-11-27T05:30:00.123Z"}, {"n", 3}};
  run_now(db.put_json("last_ping", record));
  CHECK(Json::parse(h.data.at("misc:last_ping")) == record);
  CHECK(run_now(db.get_json("last_ping")) == record);
  CHECK(run_now(db.get_json("never_written")) == std::nullopt);
  CHECK(h.host.logs.empty());
}

TEST_CASE("corrupt JSON reads as empty with exactly one warning", "[kv]") {
  KvHarness h;
  h.data["misc:last_ping"] = "{not json";
  KvStore db(h.scope, "misc");
  CHECK(run_now(db.get_json("last_ping")) == std::nullopt);
  REQUIRE(h.host.logs.size() == 1);
  CHECK(h.host.logs[0].at("level") == "warn");
  CHECK(h.host.logs[0].at("key") == "misc:last_ping");
}

namespace {
struct Settings {
  std::string lang = "en";
  int volume = 5;
};
MITI_FIELDS(Settings, lang, volume)
}  // namespace

TEST_CASE("get_json<T> and put_json read and write MITI_FIELDS structs", "[kv][fields]") {
  KvHarness h;
  KvStore kv(h.scope, "prefs");
  run_now(kv.put_json("u:1", Settings{.lang = "de", .volume = 9}));
  CHECK(h.data.at("prefs:u:1") == R"({"lang":"de","volume":9})");
  std::optional<Settings> back = run_now(kv.get_json<Settings>("u:1"));
  REQUIRE(back);
  CHECK(back->lang == "de");
  CHECK(back->volume == 9);
  CHECK_FALSE(run_now(kv.get_json<Settings>("u:2")));
  CHECK(h.host.logs_at("warn").empty());

  h.data["prefs:u:3"] = R"({"lang": 5})";  // of another shape: nullopt and a warning
  CHECK_FALSE(run_now(kv.get_json<Settings>("u:3")));
  REQUIRE(h.host.logs_at("warn").size() == 1);
  CHECK(h.host.logs_at("warn")[0].at("key") == "prefs:u:3");
  CHECK_THAT(h.host.logs_at("warn")[0].at("error").as_string(), Contains("field 'lang'"));
}
