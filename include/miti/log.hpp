// Structured logging: every call writes exactly one JSON line.
#pragma once

#include <string_view>

#include "miti/json.hpp"

namespace miti {

namespace runtime {
class Runtime;
}

class Logger {
 public:
  explicit Logger(runtime::Runtime& runtime) : runtime_(&runtime) {}

  void info(std::string_view message, Json fields = Json::object()) const {
    write("info", message, std::move(fields));
  }
  void warn(std::string_view message, Json fields = Json::object()) const {
    write("warn", message, std::move(fields));
  }
  void error(std::string_view message, Json fields = Json::object()) const {
    write("error", message, std::move(fields));
  }

 private:
  void write(std::string_view level, std::string_view message, Json fields) const;
  runtime::Runtime* runtime_;
};

}  // namespace miti
