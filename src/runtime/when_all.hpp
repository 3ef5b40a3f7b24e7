// Awaits several tasks running concurrently: each is started at once, and the
// awaiting coroutine resumes when the last one has finished. The tasks must
// handle their own errors; an exception escaping one of them is dropped, so
// wrap them (cron fan-out logs each failure itself).
#pragma once

#include <cstddef>
#include <vector>

#include "miti/coroutine.hpp"
#include "miti/task.hpp"

namespace miti::runtime {

class WhenAll {
 public:
  explicit WhenAll(std::vector<Task<void>> tasks) : tasks_(std::move(tasks)) {}
  WhenAll(const WhenAll&) = delete;
  WhenAll& operator=(const WhenAll&) = delete;

  bool await_ready() const noexcept { return tasks_.empty(); }
  bool await_suspend(coro::coroutine_handle<> waiter) {
    waiter_ = waiter;
    remaining_ = tasks_.size();
    starting_ = true;
    for (Task<void>& task : tasks_) task.start(&WhenAll::on_task_done, this);
    starting_ = false;
    return remaining_ != 0;  // all finished synchronously: do not suspend
  }
  void await_resume() const noexcept {}

 private:
  static void on_task_done(void* self) noexcept {
    auto& all = *static_cast<WhenAll*>(self);
    if (--all.remaining_ == 0 && !all.starting_) all.waiter_.resume();
  }

  std::vector<Task<void>> tasks_;
  coro::coroutine_handle<> waiter_;
  std::size_t remaining_ = 0;
  bool starting_ = false;
};

}  // namespace miti::runtime
