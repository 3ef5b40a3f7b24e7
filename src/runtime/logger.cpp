#include "miti/log.hpp"
#include "runtime/runtime.hpp"

namespace miti {

void Logger::write(std::string_view level, std::string_view message, Json fields) const {
  Json line = Json::object();
  line["level"] = level;
  line["msg"] = message;
  if (fields.is_object()) {
    for (Json::Member& member : fields.as_object()) line[member.key] = std::move(member.value);
  }
  // dump() replaces invalid UTF-8, so a log line never fails.
  runtime_->host().log(line.dump());
}

}  // namespace miti
