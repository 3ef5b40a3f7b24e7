// Task<T>: the lazily started coroutine type that handlers and stores return.
//
// Why not symmetric transfer: returning a handle from await_suspend compiles to
// a tail call, which Emscripten 3.1.6 only emits with the wasm tail-call
// feature. Instead a task is started from await_suspend and, when it finishes
// synchronously, the awaiting coroutine continues without suspending at all
// (await_suspend returns false). Only a task that really waited on the host
// resumes its awaiter from final_suspend, so loops over synchronous tasks never
// grow the stack.
#pragma once

#include <cassert>
#include <exception>
#include <optional>
#include <utility>

#include "miti/coroutine.hpp"

namespace miti {

template <typename T = void>
class Task;

namespace detail {

// Called once a root task (one nobody awaits) has finished; see Task::start.
using CompletionCallback = void (*)(void* user_data) noexcept;

// Resumes `handle` from a separate, never inlined function. Inside a coroutine
// a resume in tail position is turned into a `musttail` call by clang's
// coroutine splitting at -Os/-Oz, which Emscripten 3.1.6 cannot emit (no wasm
// tail-call feature); out here it is an ordinary call.
[[gnu::noinline]] inline void resume_elsewhere(coro::coroutine_handle<> handle) {
  handle.resume();
}

class TaskPromiseBase {
 public:
  coro::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    // Always inlined: a call to it from the final suspend point would be
    // marked musttail at -Os/-Oz (see resume_elsewhere).
    template <typename Promise>
    [[gnu::always_inline]] void await_suspend(coro::coroutine_handle<Promise> handle) noexcept {
      TaskPromiseBase& promise = handle.promise();
      promise.completed_ = true;
      // Nothing may touch this frame after the calls below: the awaiter or the
      // completion callback is allowed to destroy it.
      if (promise.continuation_) {
        resume_elsewhere(promise.continuation_);
      } else if (promise.on_complete_ != nullptr) {
        promise.on_complete_(promise.on_complete_data_);
      }
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  bool completed() const noexcept { return completed_; }
  void set_continuation(coro::coroutine_handle<> continuation) noexcept {
    continuation_ = continuation;
  }
  void set_completion_callback(CompletionCallback callback, void* user_data) noexcept {
    on_complete_ = callback;
    on_complete_data_ = user_data;
  }
  void rethrow_if_failed() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  coro::coroutine_handle<> continuation_;
  CompletionCallback on_complete_ = nullptr;
  void* on_complete_data_ = nullptr;
  std::exception_ptr error_;
  bool completed_ = false;
};

template <typename T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  T take_result() {
    rethrow_if_failed();
    assert(value_.has_value());
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take_result() const { rethrow_if_failed(); }
};

}  // namespace detail

// A unit of asynchronous work producing a T (or an exception). Owns its
// coroutine frame: destroying a Task destroys the frame, and with it every
// task it is awaiting, wherever they are suspended.
template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using Handle = coro::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle handle) noexcept : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(handle_); }
  bool done() const noexcept { return handle_ && handle_.promise().completed(); }

  // Awaiting a task starts it; the awaiter gets its value or its exception.
  auto operator co_await() && noexcept {
    struct Awaiter {
      Handle handle;
      bool await_ready() const noexcept { return false; }
      bool await_suspend(coro::coroutine_handle<> awaiting) {
        handle.resume();
        if (handle.promise().completed()) return false;  // finished without waiting
        handle.promise().set_continuation(awaiting);
        return true;
      }
      T await_resume() { return handle.promise().take_result(); }
    };
    assert(handle_ && !handle_.done() && "a task can be awaited once");
    return Awaiter{handle_};
  }

  // Starts a root task that nobody awaits. `on_complete` runs when it has
  // finished (possibly before start returns) and may destroy this Task.
  void start(detail::CompletionCallback on_complete = nullptr, void* user_data = nullptr) {
    assert(handle_ && !handle_.done());
    handle_.promise().set_completion_callback(on_complete, user_data);
    handle_.resume();
  }

  // The value of a finished task, or its exception rethrown.
  T result() {
    assert(done());
    return handle_.promise().take_result();
  }

 private:
  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  Handle handle_;
};

namespace detail {
template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>{coro::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>{coro::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace miti
