#include "miti/log.hpp"
#include "runtime/runtime.hpp"

namespace miti {

void Logger::write(std::string_view level, std::string_view message, Json fields) const {
  Json line = Json::object();
  line["level"] = level;
  line["msg"] = message;
  if (fields.is_object()) {
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  }
  // Replace invalid UTF-8 rather than throw: a log line must never fail.
  runtime_->host().log(line.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace miti
