// runtime::Runtime and HostOperation: operation ids, synchronous answers from
// inside submit, unknown and repeated answers, and host_call's error mapping.
#include "runtime/runtime.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "miti/error.hpp"
#include "runtime/host_operation.hpp"
#include "runtime/request_scope.hpp"

namespace {

using miti::Json;
using miti::Task;
using miti::runtime::HostOperation;
using miti::runtime::HostReply;
using miti_test::ok;
using miti_test::ScopeHarness;

// Awaits one raw HostOperation, so the reply is seen without host_call's mapping.
Task<HostReply> raw_op(miti::runtime::RequestScope& scope, std::string text) {
  co_return co_await HostOperation(scope.runtime, scope.id, std::move(text));
}

Task<Json> call(miti::runtime::RequestScope& scope, Json op) {
  co_return co_await miti::runtime::host_call(scope, op);
}

}  // namespace

TEST_CASE("operation ids are unique and never 0 while many are in flight", "[runtime]") {
  ScopeHarness h;
  std::vector<Task<HostReply>> tasks;
  for (int i = 0; i < 1000; ++i) {
    tasks.push_back(raw_op(h.scope, R"({"op":"x"})"));
    tasks.back().start();
  }
  REQUIRE(h.host.ops.size() == 1000);
  std::set<miti::runtime::OperationId> ids;
  for (const auto& op : h.host.ops) {
    CHECK(op.id != 0);
    ids.insert(op.id);
  }
  CHECK(ids.size() == 1000);
  CHECK(h.runtime.pending_count() == 1000);
}

TEST_CASE("ids stay unique after earlier operations finished", "[runtime]") {
  ScopeHarness h;
  std::set<miti::runtime::OperationId> ids;
  for (int i = 0; i < 10; ++i) {
    Task<HostReply> task = raw_op(h.scope, "{}");
    task.start();
    h.host.answer(h.host.ops.back().id, ok());
    REQUIRE(task.done());
    ids.insert(h.host.ops.back().id);
  }
  CHECK(ids.size() == 10);
}

TEST_CASE("the op text reaches the host unchanged, with the request id", "[runtime]") {
  ScopeHarness h;
  Task<HostReply> task = raw_op(h.scope, R"({"op":"kv.get","key":"a"})");
  task.start();
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].request == h.scope.id);
  CHECK(h.host.ops[0].op == Json{{"op", "kv.get"}, {"key", "a"}});
}

TEST_CASE("an answer given inside submit completes without suspending", "[runtime]") {
  ScopeHarness h;
  h.host.auto_reply = [](const miti_test::SubmittedOp&) -> std::optional<miti_test::Reply> {
    return miti_test::Reply{true, R"({"a":1})"};
  };
  Task<HostReply> task = raw_op(h.scope, "{}");
  task.start();
  REQUIRE(task.done());
  HostReply reply = task.result();
  CHECK(reply.ok());
  CHECK(reply.payload == R"({"a":1})");
  CHECK(h.runtime.pending_count() == 0);
}

TEST_CASE("a failure given inside submit becomes a HostError", "[runtime]") {
  ScopeHarness h;
  h.host.auto_reply = [](const miti_test::SubmittedOp&) -> std::optional<miti_test::Reply> {
    return miti_test::fail("binding exploded");
  };
  Task<Json> task = call(h.scope, {{"op", "x"}});
  task.start();
  REQUIRE(task.done());
  CHECK_THROWS_AS(task.result(), miti::HostError);
}

TEST_CASE("unknown and repeated answers are ignored", "[runtime]") {
  ScopeHarness h;
  Task<HostReply> task = raw_op(h.scope, "{}");
  task.start();
  REQUIRE(h.host.ops.size() == 1);
  miti::runtime::OperationId id = h.host.ops[0].id;

  h.runtime.complete(id + 1000, miti::runtime::OpStatus::kOk, "1");  // nobody waits for it
  CHECK_FALSE(task.done());
  CHECK(h.runtime.pending_count() == 1);

  h.runtime.complete(id, miti::runtime::OpStatus::kOk, "2");
  REQUIRE(task.done());
  CHECK(task.result().payload == "2");

  // A second answer for the same id must not resume a finished coroutine.
  h.runtime.complete(id, miti::runtime::OpStatus::kOk, "3");
  CHECK(h.runtime.pending_count() == 0);
}

TEST_CASE("answers arriving out of order resume the right operation", "[runtime]") {
  ScopeHarness h;
  Task<HostReply> first = raw_op(h.scope, R"({"n":1})");
  Task<HostReply> second = raw_op(h.scope, R"({"n":2})");
  first.start();
  second.start();
  h.host.answer_index(1, miti_test::Reply{true, "two"});
  CHECK_FALSE(first.done());
  REQUIRE(second.done());
  h.host.answer_index(0, miti_test::Reply{false, "one failed"});
  REQUIRE(first.done());
  HostReply a = first.result();
  HostReply b = second.result();
  CHECK_FALSE(a.ok());
  CHECK(a.payload == "one failed");
  CHECK(b.ok());
  CHECK(b.payload == "two");
}

TEST_CASE("host_call refuses an answer that is not JSON", "[runtime]") {
  ScopeHarness h;
  Task<Json> task = call(h.scope, {{"op", "x"}});
  task.start();
  h.host.answer_index(0, miti_test::Reply{true, "{not json"});
  REQUIRE(task.done());
  CHECK_THROWS_AS(task.result(), miti::HostError);
}

TEST_CASE("host_call returns the parsed answer", "[runtime]") {
  ScopeHarness h;
  Task<Json> task = call(h.scope, {{"op", "x"}});
  task.start();
  h.host.answer_index(0, ok({{"k", {1, 2, 3}}}));
  REQUIRE(task.done());
  CHECK(task.result() == Json{{"k", {1, 2, 3}}});
}

namespace {
class ThrowingHost : public miti_test::FakeHost {
 public:
  void submit(miti::runtime::RequestId, miti::runtime::OperationId, std::string_view) override {
    throw std::runtime_error("host refused the op");
  }
};
}  // namespace

TEST_CASE("a host that throws from submit fails the awaiting task, nothing stays pending",
          "[runtime]") {
  ThrowingHost host;
  miti::runtime::Runtime runtime(host);
  miti::runtime::RequestScope scope{runtime, 1, miti_test::make_env({}), miti::Logger(runtime)};
  Task<HostReply> task = raw_op(scope, "{}");
  task.start();
  REQUIRE(task.done());
  CHECK_THROWS_WITH(task.result(), "host refused the op");
  CHECK(runtime.pending_count() == 0);
}

TEST_CASE("Logger writes one JSON line with level, message and fields", "[runtime]") {
  ScopeHarness h;
  h.scope.log.warn("something odd", {{"key", "v"}, {"n", 3}});
  REQUIRE(h.host.logs.size() == 1);
  CHECK(h.host.logs[0] ==
        Json{{"level", "warn"}, {"msg", "something odd"}, {"key", "v"}, {"n", 3}});
  CHECK(h.host.raw_logs[0].find('\n') == std::string::npos);
}

TEST_CASE("Logger replaces invalid UTF-8 instead of throwing", "[runtime]") {
  ScopeHarness h;
  // Two bad bytes, then a valid two-byte sequence that must survive as is.
  REQUIRE_NOTHROW(h.scope.log.error("b\xc3", {{"text", std::string("a\xff\xfe\xc3\xa9z")}}));
  REQUIRE(h.host.raw_logs.size() == 1);
  // One U+FFFD (EF BF BD) per invalid byte, in the message and in the fields.
  CHECK(h.host.raw_logs[0] ==
        "{\"level\":\"error\",\"msg\":\"b\xef\xbf\xbd\","
        "\"text\":\"a\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9z\"}");
  REQUIRE(h.host.logs.size() == 1);
  CHECK(h.host.logs[0].at("text") == "a\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9z");
}
