#include "miti/log.hpp"
#include "runtime/runtime.hpp"

namespace miti {

// Written straight into the line's text: no JSON object is built for it.
// Json's dump replaces invalid UTF-8, so a log line never fails.
void Logger::write(std::string_view level, std::string_view message, LogFields fields) const {
  std::string line = R"({"level":)";
  Json(level).dump_to(line);
  line += R"(,"msg":)";
  Json(message).dump_to(line);
  for (const LogField& field : fields) {
    line += ',';
    Json(field.key).dump_to(line);
    line += ':';
    field.value.dump_to(line);
  }
  line += '}';
  runtime_->host().log(line);
}

}  // namespace miti
