// A scripted runtime::Host for the native tests. It records every operation
// the core submits (parsed JSON), every HTTP answer and every log line, and
// lets a test answer operations later, in any order, or synchronously from
// inside submit() through an auto-reply rule.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "miti/env.hpp"
#include "miti/json.hpp"
#include "miti/log.hpp"
#include "miti/task.hpp"
#include "runtime/host.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti_test {

using miti::Json;
namespace rt = miti::runtime;

struct Reply {
  bool ok = true;
  std::string payload;
  bool timed_out = false;
  rt::OpStatus status() const {
    if (timed_out) return rt::OpStatus::kTimedOut;
    return ok ? rt::OpStatus::kOk : rt::OpStatus::kFailed;
  }
};

// A successful host answer carrying `value` as JSON.
inline Reply ok(const Json& value = nullptr) {
  return Reply{true, value.dump()};
}
// A failed host operation with the host's message.
inline Reply fail(std::string message) {
  return Reply{false, std::move(message)};
}
// An operation the host abandoned after its timeout.
inline Reply timed_out(std::string message = "timed out") {
  return Reply{false, std::move(message), true};
}

struct SubmittedOp {
  rt::RequestId request = 0;
  rt::OperationId id = 0;
  Json op;
  bool answered = false;
};

struct Response {
  rt::RequestId request = 0;
  int status = 0;
  std::string body;
  // The body as JSON (null when empty).
  Json json() const { return body.empty() ? Json() : Json::parse(body); }
};

class FakeHost : public rt::Host {
 public:
  // Given an operation, returns a reply to deliver synchronously from inside
  // submit(), or nullopt to leave it pending.
  using AutoReply = std::function<std::optional<Reply>(const SubmittedOp&)>;
  // Where answers go: Runtime::complete or Worker::complete_operation.
  using Completer = std::function<void(rt::OperationId, rt::OpStatus, std::string)>;

  void submit(rt::RequestId request, rt::OperationId id, std::string_view op_json) override {
    ops.push_back(SubmittedOp{request, id, Json::parse(op_json), false});
    if (auto_reply) {
      // Copy: the answer may submit further operations and grow `ops`.
      SubmittedOp op = ops.back();
      if (std::optional<Reply> reply = auto_reply(op)) answer(id, *reply);
    }
  }
  void respond(rt::RequestId request, int status, std::string_view body) override {
    responses.push_back(Response{request, status, std::string(body)});
  }
  void finish(rt::RequestId request) override { finished.push_back(request); }
  void log(std::string_view line) override {
    raw_logs.emplace_back(line);
    logs.push_back(Json::parse(line));
  }
  std::int64_t now_ms() override { return now; }

  // Answers operation `id` (delivered through the completer).
  void answer(rt::OperationId id, const Reply& reply) {
    REQUIRE(completer);
    for (SubmittedOp& op : ops) {
      if (op.id == id) op.answered = true;
    }
    completer(id, reply.status(), reply.payload);
  }
  // Answers the i-th submitted operation.
  void answer_index(std::size_t index, const Reply& reply) {
    REQUIRE(index < ops.size());
    answer(ops[index].id, reply);
  }

  std::vector<SubmittedOp> unanswered() const {
    std::vector<SubmittedOp> out;
    for (const SubmittedOp& op : ops) {
      if (!op.answered) out.push_back(op);
    }
    return out;
  }
  std::vector<Json> logs_at(std::string_view level) const {
    std::vector<Json> out;
    for (const Json& line : logs) {
      if (line.value("level", "") == level) out.push_back(line);
    }
    return out;
  }
  const Response* response_for(rt::RequestId request) const {
    for (const Response& response : responses) {
      if (response.request == request) return &response;
    }
    return nullptr;
  }

  std::vector<SubmittedOp> ops;
  std::vector<Response> responses;
  std::vector<rt::RequestId> finished;  // finish() calls, in order
  std::vector<Json> logs;
  std::vector<std::string> raw_logs;
  std::int64_t now = 1'700'000'000'000;
  AutoReply auto_reply;
  Completer completer;
};

inline std::shared_ptr<const miti::Env> make_env(
    std::map<std::string, std::string, std::less<>> vars,
    std::vector<std::string> bindings = {"KV", "DB"}) {
  return std::make_shared<const miti::Env>(miti::Env::Vars(vars.begin(), vars.end()),
                                           std::move(bindings));
}

// A host, a runtime and one request scope wired together: what a store or
// the Bot API needs outside a Worker.
struct ScopeHarness {
  explicit ScopeHarness(std::shared_ptr<const miti::Env> env = make_env({}))
      : runtime(host), scope{runtime, 7, std::move(env), miti::Logger(runtime)} {
    host.completer = [this](rt::OperationId id, rt::OpStatus status, std::string payload) {
      runtime.complete(id, status, std::move(payload));
    };
  }

  FakeHost host;
  rt::Runtime runtime;
  rt::RequestScope scope;
};

// Starts a task that must finish without waiting on the host (every
// operation answered by host.auto_reply) and returns its result.
template <typename T>
T run_now(miti::Task<T> task) {
  task.start();
  REQUIRE(task.done());
  return task.result();
}

// A Task awaiting a HostTask (store and Bot API calls return those), for
// tests that start it themselves. The HostTask lives in the caller.
template <typename T>
miti::Task<T> awaiting(miti::HostTask<T>& pending) {
  co_return co_await pending;
}

// The same for a HostTask: the parameter is built in place from the call.
template <typename T>
T run_now(miti::HostTask<T> pending) {
  return run_now(awaiting(pending));
}

}  // namespace miti_test
