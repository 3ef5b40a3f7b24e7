// One wasm instance's application: it owns the registry and the requests in
// flight, and turns host calls (a webhook, a resumed operation) into work.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "miti/env.hpp"
#include "miti/task.hpp"
#include "registry/shared_registry.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"

namespace miti::dispatch {

using EnvId = std::uint32_t;

class Worker {
 public:
  Worker(runtime::Host& host, std::span<const registry::ModuleEntry> modules);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Registers the environment the following requests refer to by id. The JSON
  // is {"vars": {name: text}, "bindings": [name, ...]}.
  void set_env(EnvId id, std::string_view env_json);

  // An authenticated POST /webhook; the host gets exactly one respond() call.
  void start_webhook(runtime::RequestId request, EnvId env, std::string body);

  // A cron trigger: runs every module cron whose schedule matches `cron`,
  // concurrently and each in isolation. The host gets one respond() call with
  // {"cron", "ran", "failed"} once all have finished.
  void start_scheduled(runtime::RequestId request, EnvId env, std::string cron,
                       std::int64_t scheduled_time_ms);

  // The host's answer to an operation.
  void complete_operation(runtime::OperationId operation, bool ok, std::string payload);

  std::size_t requests_in_flight() const noexcept { return requests_.size(); }
  runtime::Runtime& runtime() noexcept { return runtime_; }
  const registry::SharedRegistry& registry() const noexcept { return registry_; }

 private:
  struct ActiveRequest;

  Task<void> webhook_flow(ActiveRequest& request);
  Task<void> scheduled_flow(ActiveRequest& request, std::string cron,
                            std::int64_t scheduled_time_ms);
  std::unique_ptr<ActiveRequest> make_request(runtime::RequestId request, EnvId env,
                                              std::string body);
  void respond(ActiveRequest& request, int status, std::string_view body);
  void start(std::unique_ptr<ActiveRequest> request);
  static void on_request_finished(void* request) noexcept;
  void collect_finished();

  runtime::Runtime runtime_;
  registry::SharedRegistry registry_;
  std::unordered_map<EnvId, std::shared_ptr<const Env>> envs_;
  std::unordered_map<runtime::RequestId, std::unique_ptr<ActiveRequest>> requests_;
  // Finished requests are destroyed at the next entry, never from inside
  // their own coroutine's final suspension.
  std::vector<std::unique_ptr<ActiveRequest>> finished_;
};

}  // namespace miti::dispatch
