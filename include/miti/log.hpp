// Structured logging: every call writes exactly one JSON line,
//   {"level": "warn", "msg": "...", "key": value, ...}
// visible in `wrangler tail` and the Cloudflare dashboard:
//   ctx.log().warn("could not record", {{"id", id}, {"error", error.what()}});
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "miti/json.hpp"

namespace miti {

namespace runtime {
class Runtime;
}

// The value of a log field: text, a number, a bool or any Json, referred to
// (never copied) for the one call that writes the line. Trivially destructible,
// so a log call costs its caller no cleanup code.
class LogValue {
 public:
  LogValue(std::string_view text) noexcept : kind_(Kind::kText), text_(text) {}
  LogValue(const char* text) noexcept : LogValue(std::string_view(text)) {}
  LogValue(const std::string& text) noexcept : LogValue(std::string_view(text)) {}
  LogValue(bool value) noexcept : kind_(Kind::kBool), integer_(value ? 1 : 0) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) LogValue(T value)
  noexcept : kind_(Kind::kInteger), integer_(static_cast<std::int64_t>(value)) {}
  LogValue(double value) noexcept : kind_(Kind::kReal), real_(value) {}
  LogValue(const Json& value) noexcept : kind_(Kind::kJson), json_(&value) {}

  void dump_to(std::string& out) const;

 private:
  enum class Kind : unsigned char { kText, kBool, kInteger, kReal, kJson };
  Kind kind_;
  union {
    std::string_view text_;
    std::int64_t integer_;
    double real_;
    const Json* json_;
  };
};

// One field of a log line.
struct LogField {
  std::string_view key;
  LogValue value;
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
