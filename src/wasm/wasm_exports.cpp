// The wasm module's entry points, called by the JS shim. Every call either
// starts work or resumes it; nothing here blocks.
#include <emscripten/emscripten.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "dispatch/worker.hpp"
#include "registry/module_index.hpp"
#include "wasm/js_imports.hpp"

namespace {

class JsHost final : public miti::runtime::Host {
 public:
  void submit(miti::runtime::RequestId request, miti::runtime::OperationId operation,
              std::string_view op_json) override {
    miti_js_submit(request, operation, op_json.data(), op_json.size());
  }
  void respond(miti::runtime::RequestId request, int status, std::string_view body) override {
    miti_js_respond(request, status, body.data(), body.size());
  }
  void finish(miti::runtime::RequestId request) override { miti_js_finish(request); }
  void log(std::string_view line) override { miti_js_log(line.data(), line.size()); }
  std::int64_t now_ms() override { return static_cast<std::int64_t>(miti_js_now()); }
};

miti::dispatch::Worker& worker() {
  static JsHost host;
  static miti::dispatch::Worker instance(host, miti::registry::compiled_modules());
  return instance;
}

std::string take(const char* data, std::size_t length) {
  return {data, length};
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void* miti_alloc(std::size_t bytes) {
  return std::malloc(bytes == 0 ? 1 : bytes);
}
EMSCRIPTEN_KEEPALIVE void miti_free(void* pointer) {
  std::free(pointer);
}

EMSCRIPTEN_KEEPALIVE void miti_seed(std::uint32_t high, std::uint32_t low) {
  worker().seed((std::uint64_t{high} << 32) | low);
}

EMSCRIPTEN_KEEPALIVE void miti_set_env(std::uint32_t env, const char* json, std::size_t length) {
  worker().set_env(env, std::string_view(json, length));
}

EMSCRIPTEN_KEEPALIVE void miti_forget_env(std::uint32_t env) {
  worker().forget_env(env);
}

EMSCRIPTEN_KEEPALIVE void miti_webhook(std::uint32_t request, std::uint32_t env, const char* body,
                                       std::size_t length) {
  worker().start_webhook(request, env, take(body, length));
}

EMSCRIPTEN_KEEPALIVE void miti_scheduled(std::uint32_t request, std::uint32_t env, const char* cron,
                                         std::size_t length, double scheduled_time_ms) {
  worker().start_scheduled(request, env, take(cron, length),
                           static_cast<std::int64_t>(scheduled_time_ms));
}

EMSCRIPTEN_KEEPALIVE void miti_complete(std::uint32_t operation, int status, const char* payload,
                                        std::size_t length) {
  worker().complete_operation(operation, static_cast<miti::runtime::OpStatus>(status),
                              take(payload, length));
}

EMSCRIPTEN_KEEPALIVE void miti_respond_now(std::uint32_t request) {
  worker().respond_now(request);
}

EMSCRIPTEN_KEEPALIVE void miti_cancel(std::uint32_t request) {
  worker().cancel(request);
}

// The top of the heap (the program break): flat while memory use is flat.
EMSCRIPTEN_KEEPALIVE std::uint32_t miti_heap_bytes() {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(sbrk(0)));
}

EMSCRIPTEN_KEEPALIVE std::uint32_t miti_requests_in_flight() {
  return static_cast<std::uint32_t>(worker().requests_in_flight());
}

}  // extern "C"
