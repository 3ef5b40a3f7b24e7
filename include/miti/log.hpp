// Structured logging: every call writes exactly one JSON line,
//   {"level": "warn", "msg": "...", "key": value, ...}
// visible in `wrangler tail` and the Cloudflare dashboard:
//   ctx.log().warn("could not record", {{"id", id}, {"error", error.what()}});
#pragma once

#include <initializer_list>
#include <string_view>

#include "miti/json.hpp"

namespace miti {

namespace runtime {
class Runtime;
}

// One field of a log line: a name and any value Json takes.
struct LogField {
  std::string_view key;
  Json value;
};
using LogFields = std::initializer_list<LogField>;

class Logger {
 public:
  explicit Logger(runtime::Runtime& runtime) : runtime_(&runtime) {}

  void info(std::string_view message, LogFields fields = {}) const {
    write("info", message, fields);
  }
  void warn(std::string_view message, LogFields fields = {}) const {
    write("warn", message, fields);
  }
  void error(std::string_view message, LogFields fields = {}) const {
    write("error", message, fields);
  }

 private:
  void write(std::string_view level, std::string_view message, LogFields fields) const;
  runtime::Runtime* runtime_;
};

}  // namespace miti
