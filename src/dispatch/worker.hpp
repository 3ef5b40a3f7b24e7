// One wasm instance's application: it owns the registry and the requests in
// flight, and turns host calls (a webhook, a resumed operation) into work.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "miti/env.hpp"
#include "miti/task.hpp"
#include "registry/shared_registry.hpp"
#include "runtime/request_scope.hpp"
#include "runtime/runtime.hpp"
#include "util/flat_map.hpp"

namespace miti {
class BotApi;
}

namespace miti::telegram {
struct Update;
}

namespace miti::dispatch {

using EnvId = std::uint32_t;
struct Admission;
struct Route;

class Worker {
 public:
  Worker(runtime::Host& host, std::span<const registry::ModuleEntry> modules);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Registers the environment the following requests refer to by id. The JSON
  // is {"vars": {name: text}, "bindings": [name, ...]}. Registering an id
  // again replaces it; forget_env drops it.
  void set_env(EnvId id, std::string_view env_json);
  void forget_env(EnvId id);

  // Seeds the generator of delivery claim tokens (the host passes real
  // randomness once per instance).
  void seed(std::uint64_t seed) noexcept { random_state_ ^= seed | 1u; }

  // An authenticated POST /webhook; the host gets exactly one respond() and
  // then one finish() call.
  void start_webhook(runtime::RequestId request, EnvId env, std::string body);

  // A cron trigger: runs every module cron whose schedule matches `cron`,
  // concurrently and each in isolation. The host gets one respond() call with
  // {"cron", "ran", "failed"} once all have finished, then finish().
  void start_scheduled(runtime::RequestId request, EnvId env, std::string cron,
                       std::int64_t scheduled_time_ms);

  // The host's answer to an operation.
  void complete_operation(runtime::OperationId operation, runtime::OpStatus status,
                          std::string payload);

  // The webhook has waited long enough: answer Telegram now (with the call
  // held for the webhook response, if any) and let the handler finish in the
  // background. Nothing happens if the request has answered already.
  void respond_now(runtime::RequestId request);

  // Ends a request that outlived its bound: its coroutines are destroyed
  // (pending operations forgotten), it is answered if it was not, and the
  // host is told it finished. Unknown ids are ignored.
  void cancel(runtime::RequestId request);

  std::size_t requests_in_flight() const noexcept { return requests_.size(); }
  std::size_t environments() const noexcept { return envs_.size(); }
  runtime::Runtime& runtime() noexcept { return runtime_; }
  const registry::SharedRegistry& registry() const noexcept { return registry_; }

  struct ActiveRequest;

 private:
  Task<void> webhook_flow(ActiveRequest& request);
  Task<Admission> admit(ActiveRequest& request, const telegram::Update& update, const Route& route);
  Task<void> scheduled_flow(ActiveRequest& request, std::string cron,
                            std::int64_t scheduled_time_ms);
  std::unique_ptr<ActiveRequest> make_request(runtime::RequestId request, EnvId env,
                                              std::string body);
  void start(std::unique_ptr<ActiveRequest> request);
  static void on_request_finished(void* request) noexcept;
  void collect_finished();
  std::string claim_token();

  runtime::Runtime runtime_;
  registry::SharedRegistry registry_;
  util::FlatMap<EnvId, std::shared_ptr<const Env>> envs_;
  util::FlatMap<runtime::RequestId, std::unique_ptr<ActiveRequest>> requests_;
  // Finished requests are destroyed at the next entry, never from inside
  // their own coroutine's final suspension.
  std::vector<std::unique_ptr<ActiveRequest>> finished_;
  std::uint64_t random_state_ = 0x9E3779B97F4A7C15ull;
  bool dedup_warning_logged_ = false;
};

// The state of one request, shared by the flows in dispatch/.
struct Worker::ActiveRequest {
  Worker* worker;
  runtime::RequestScope scope;
  std::string body;  // a webhook's update, until it is parsed
  Task<void> task;
  bool responded = false;
  // The Bot API of a webhook in progress: respond_now takes its held call.
  BotApi* api = nullptr;

  // Answers the request once (later calls are ignored).
  void respond(int status, std::string_view body);
};

}  // namespace miti::dispatch
