// miti::Task<T>: lazy start, chaining through host operations, exceptions,
// destruction of suspended frames, stack use of synchronous loops, and many
// interleaved roots.
#include "miti/task.hpp"

#include <pthread.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "miti/error.hpp"
#include "runtime/request_scope.hpp"

namespace {

using miti::HostError;
using miti::Json;
using miti::Task;
using miti_test::ok;
using miti_test::ScopeHarness;

// Counts live instances so a test can see which frames were destroyed.
struct Tracked {
  static inline int live = 0;
  Tracked() { ++live; }
  Tracked(const Tracked&) { ++live; }
  ~Tracked() { --live; }
};

Task<int> answer_42() {
  co_return 42;
}

Task<std::unique_ptr<int>> boxed(int value) {
  co_return std::make_unique<int>(value);
}

Task<void> set_flag(bool& flag) {
  flag = true;
  co_return;
}

Task<int> add_one_to(Task<int> inner) {
  int value = co_await std::move(inner);
  co_return value + 1;
}

// Leaf: one host operation, returns the answer's "v".
Task<int> fetch_v(miti::runtime::RequestScope& scope, std::string what) {
  Json op = {{"op", "test.get"}, {"what", what}};
  Json answer = co_await miti::runtime::host_call(scope, op);
  co_return answer.at("v").get<int>();
}

Task<int> middle(miti::runtime::RequestScope& scope) {
  int v = co_await fetch_v(scope, "x");
  co_return v * 10;
}

Task<std::string> outer(miti::runtime::RequestScope& scope) {
  int v = co_await middle(scope);
  co_return "value=" + std::to_string(v);
}

Task<int> throws_now() {
  throw std::runtime_error("leaf failed");
  co_return 0;
}

Task<int> passes_through(Task<int> inner) {
  co_return co_await std::move(inner);
}

Task<int> catches(Task<int> inner, int fallback) {
  try {
    co_return co_await std::move(inner);
  } catch (const std::exception&) {
    co_return fallback;
  }
}

}  // namespace

TEST_CASE("a task is lazy: nothing runs before start", "[task]") {
  bool ran = false;
  Task<void> task = set_flag(ran);
  CHECK_FALSE(ran);
  CHECK_FALSE(task.done());
  task.start();
  CHECK(ran);
  CHECK(task.done());
}

TEST_CASE("a synchronously finishing task delivers its value", "[task]") {
  Task<int> task = answer_42();
  CHECK(task.valid());
  task.start();
  REQUIRE(task.done());
  CHECK(task.result() == 42);

  Task<std::unique_ptr<int>> move_only = boxed(7);
  move_only.start();
  REQUIRE(move_only.done());
  std::unique_ptr<int> value = move_only.result();
  REQUIRE(value != nullptr);
  CHECK(*value == 7);
}

TEST_CASE("the completion callback runs exactly once, also for sync tasks", "[task]") {
  int calls = 0;
  auto on_done = [](void* data) noexcept { ++*static_cast<int*>(data); };
  Task<int> task = add_one_to(answer_42());
  task.start(on_done, &calls);
  CHECK(calls == 1);
  CHECK(task.result() == 43);
}

TEST_CASE("the completion callback may destroy the finished task", "[task]") {
  // The Worker drops a request from its own completion callback.
  struct Holder {
    std::optional<Task<int>> task;
    int seen = 0;
  } holder;
  ScopeHarness h;
  holder.task.emplace(add_one_to(fetch_v(h.scope, "y")));
  holder.task->start(
      [](void* data) noexcept {
        auto& self = *static_cast<Holder*>(data);
        self.seen = self.task->result();
        self.task.reset();
      },
      &holder);
  REQUIRE(h.host.ops.size() == 1);
  h.host.answer_index(0, ok({{"v", 4}}));
  CHECK(holder.seen == 5);
  CHECK_FALSE(holder.task.has_value());
}

TEST_CASE("task awaits task awaits a host operation", "[task]") {
  ScopeHarness h;
  Task<std::string> root = outer(h.scope);
  root.start();

  // Suspended on exactly one operation, carrying the request id and JSON.
  REQUIRE(h.host.ops.size() == 1);
  CHECK(h.host.ops[0].request == h.scope.id);
  CHECK(h.host.ops[0].op == Json{{"op", "test.get"}, {"what", "x"}});
  CHECK_FALSE(root.done());
  CHECK(h.runtime.pending_count() == 1);

  h.host.answer_index(0, ok({{"v", 4}}));
  REQUIRE(root.done());
  CHECK(root.result() == "value=40");
  CHECK(h.runtime.pending_count() == 0);
}

TEST_CASE("exceptions reach the awaiter across levels", "[task]") {
  SECTION("thrown synchronously by the leaf") {
    Task<int> root = passes_through(passes_through(throws_now()));
    root.start();
    REQUIRE(root.done());
    CHECK_THROWS_WITH(root.result(), "leaf failed");
  }
  SECTION("a host failure after suspension") {
    ScopeHarness h;
    Task<std::string> root = outer(h.scope);
    root.start();
    REQUIRE_FALSE(root.done());
    h.host.answer_index(0, miti_test::fail("KV is down"));
    REQUIRE(root.done());
    CHECK_THROWS_AS(root.result(), HostError);
    // Re-check the message separately: CHECK_THROWS_AS consumed the value.
  }
  SECTION("the host error keeps the host's message") {
    ScopeHarness h;
    Task<std::string> root = outer(h.scope);
    root.start();
    h.host.answer_index(0, miti_test::fail("KV is down"));
    CHECK_THROWS_WITH(root.result(), "KV is down");
  }
  SECTION("caught mid-chain, the root sees the fallback") {
    Task<int> root = add_one_to(catches(passes_through(throws_now()), 100));
    root.start();
    REQUIRE(root.done());
    CHECK(root.result() == 101);
  }
  SECTION("caught mid-chain after suspension") {
    ScopeHarness h;
    Task<int> root = add_one_to(catches(middle(h.scope), -1));
    root.start();
    h.host.answer_index(0, miti_test::fail("nope"));
    REQUIRE(root.done());
    CHECK(root.result() == 0);
  }
}

namespace {

Task<int> tracked_leaf(miti::runtime::RequestScope& scope) {
  Tracked guard;
  Json op = {{"op", "test.wait"}};
  Json answer = co_await miti::runtime::host_call(scope, op);
  co_return answer.get<int>();
}

Task<int> tracked_middle(miti::runtime::RequestScope& scope, Tracked by_value) {
  Tracked guard;
  (void)by_value;
  co_return co_await tracked_leaf(scope) + 1;
}

Task<int> tracked_root(miti::runtime::RequestScope& scope) {
  Tracked guard;
  co_return co_await tracked_middle(scope, Tracked{}) + 1;
}

}  // namespace

TEST_CASE("destroying a suspended root frees every frame and forgets the op", "[task]") {
  ScopeHarness h;
  Tracked::live = 0;
  miti::runtime::OperationId id = 0;
  {
    Task<int> root = tracked_root(h.scope);
    root.start();
    REQUIRE(h.host.ops.size() == 1);
    id = h.host.ops[0].id;
    // Root guard and the argument temporary (alive until the co_await ends),
    // middle's parameter copy and guard, leaf guard.
    CHECK(Tracked::live == 5);
    CHECK(h.runtime.pending_count() == 1);
  }
  CHECK(Tracked::live == 0);
  CHECK(h.runtime.pending_count() == 0);
  // A late answer for the dropped request is ignored, not resumed into freed memory.
  h.runtime.complete(id, miti::runtime::OpStatus::kOk, "5");
  CHECK(h.runtime.pending_count() == 0);
}

TEST_CASE("a finished chain leaves no live frames", "[task]") {
  ScopeHarness h;
  Tracked::live = 0;
  {
    Task<int> root = tracked_root(h.scope);
    root.start();
    h.host.answer_index(0, ok(5));
    REQUIRE(root.done());
    CHECK(root.result() == 7);
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("destroying a task that was never started frees its parameters", "[task]") {
  ScopeHarness h;
  Tracked::live = 0;
  {
    Task<int> never = tracked_middle(h.scope, Tracked{});
    CHECK(Tracked::live == 1);  // the parameter copy in the frame
  }
  CHECK(Tracked::live == 0);
  CHECK(h.host.ops.empty());
}

namespace {

Task<int> plus(int value) {
  co_return value + 1;
}

Task<long long> sum_of_sync_children(int count) {
  long long sum = 0;
  for (int i = 0; i < count; ++i) sum += co_await plus(i);
  co_return sum;
}

Task<int> sync_host_child(miti::runtime::RequestScope& scope, int i) {
  Json op = {{"op", "echo"}, {"i", i}};
  Json answer = co_await miti::runtime::host_call(scope, op);
  co_return answer.get<int>();
}

Task<long long> sum_of_sync_host_children(miti::runtime::RequestScope& scope, int count) {
  long long sum = 0;
  for (int i = 0; i < count; ++i) sum += co_await sync_host_child(scope, i);
  co_return sum;
}

// Runs `body` on a thread with a deliberately small stack, so code whose stack
// grows with the loop count crashes here instead of passing by luck.
template <typename Body>
void on_small_stack(Body body) {
  struct Box {
    Body* body;
  } box{&body};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  REQUIRE(pthread_create(
              &thread, &attr,
              [](void* data) -> void* {
                (*static_cast<Box*>(data)->body)();
                return nullptr;
              },
              &box) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace

TEST_CASE("100k synchronously finishing children do not grow the stack", "[task]") {
  constexpr int kCount = 100'000;
  long long result = -1;
  bool done = false;
  on_small_stack([&] {
    Task<long long> root = sum_of_sync_children(kCount);
    root.start();
    done = root.done();
    if (done) result = root.result();
  });
  REQUIRE(done);
  // sum of (i + 1) for i in [0, kCount)
  CHECK(result == static_cast<long long>(kCount) * (kCount + 1) / 2);
}

TEST_CASE("children whose host op is answered inside submit do not grow the stack", "[task]") {
  constexpr int kCount = 20'000;
  ScopeHarness h;
  h.host.auto_reply = [](const miti_test::SubmittedOp& op) -> std::optional<miti_test::Reply> {
    return ok(op.op.at("i"));
  };
  long long result = -1;
  bool done = false;
  on_small_stack([&] {
    Task<long long> root = sum_of_sync_host_children(h.scope, kCount);
    root.start();
    done = root.done();
    if (done) result = root.result();
  });
  REQUIRE(done);
  CHECK(result == static_cast<long long>(kCount) * (kCount - 1) / 2);
  CHECK(h.host.ops.size() == kCount);
  CHECK(h.runtime.pending_count() == 0);
}

namespace {

// Two host operations in sequence, so roots interleave between steps.
Task<std::string> two_steps(miti::runtime::RequestScope& scope, int root) {
  Json first_op = {{"root", root}, {"step", 1}};
  Json first = co_await miti::runtime::host_call(scope, first_op);
  Json second_op = {{"root", root}, {"step", 2}};
  Json second = co_await miti::runtime::host_call(scope, second_op);
  co_return std::to_string(root) + ":" + first.get<std::string>() + "," + second.get<std::string>();
}

}  // namespace

TEST_CASE("many interleaved roots answered in shuffled order keep their own results", "[task]") {
  constexpr int kRoots = 500;
  ScopeHarness h;
  std::vector<Task<std::string>> roots;
  roots.reserve(kRoots);
  int finished = 0;
  auto on_done = [](void* data) noexcept { ++*static_cast<int*>(data); };
  for (int i = 0; i < kRoots; ++i) {
    roots.push_back(two_steps(h.scope, i));
    roots.back().start(on_done, &finished);
  }
  REQUIRE(h.host.ops.size() == kRoots);

  std::mt19937 rng(20240229);
  // Answer whatever is pending, in random order, until nothing is left. Each
  // answer is derived from the op itself so cross-talk would show.
  for (int round = 0; round < 2; ++round) {
    std::vector<miti_test::SubmittedOp> pending = h.host.unanswered();
    std::shuffle(pending.begin(), pending.end(), rng);
    for (const miti_test::SubmittedOp& op : pending) {
      std::string tag = "r" + std::to_string(op.op.at("root").get<int>()) + "s" +
                        std::to_string(op.op.at("step").get<int>());
      h.host.answer(op.id, ok(tag));
    }
  }
  CHECK(finished == kRoots);
  CHECK(h.host.ops.size() == 2 * kRoots);
  CHECK(h.runtime.pending_count() == 0);
  for (int i = 0; i < kRoots; ++i) {
    REQUIRE(roots[i].done());
    std::string expected =
        std::to_string(i) + ":r" + std::to_string(i) + "s1,r" + std::to_string(i) + "s2";
    REQUIRE(roots[i].result() == expected);
  }
}

TEST_CASE("a moved task keeps its frame; the moved-from one is empty", "[task]") {
  Tracked::live = 0;
  ScopeHarness h;
  Task<int> a = tracked_middle(h.scope, Tracked{});
  Task<int> b = std::move(a);
  CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  CHECK(b.valid());
  CHECK(Tracked::live == 1);
  b = Task<int>();  // move-assigning destroys the old frame
  CHECK(Tracked::live == 0);
}
