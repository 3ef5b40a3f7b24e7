// The boundary between the C++ core and whatever runs it: the JS shim inside
// workerd, or a scripted host in the native tests.
#pragma once

#include <cstdint>
#include <string_view>

#include "miti/host_task.hpp"  // RequestId, OperationId, OpStatus

namespace miti::runtime {

class Host {
 public:
  virtual ~Host() = default;
  // Starts an asynchronous operation (KV, D1, fetch, ...) described by a JSON
  // text; the host answers later through Runtime::complete with the same id.
  virtual void submit(RequestId request, OperationId operation, std::string_view op_json) = 0;
  // The request's HTTP answer: status and a JSON body (empty for none). Work
  // may go on after it (in the background) until finish().
  virtual void respond(RequestId request, int status, std::string_view body) = 0;
  // The request has ended: nothing of it runs any more.
  virtual void finish(RequestId request) = 0;
  // One finished log line (JSON).
  virtual void log(std::string_view line) = 0;
  // Wall-clock milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() = 0;
};

}  // namespace miti::runtime
