#include "miti/log.hpp"
#include "runtime/runtime.hpp"

namespace miti {

void LogValue::dump_to(std::string& out) const {
  switch (kind_) {
    case Kind::kText:
      Json::dump_string_to(out, text_);
      break;
    case Kind::kBool:
      out += integer_ != 0 ? "true" : "false";
      break;
    case Kind::kInteger:
      out += std::to_string(integer_);
      break;
    case Kind::kReal:
      Json(real_).dump_to(out);
      break;
    case Kind::kJson:
      json_->dump_to(out);
      break;
  }
}

// Written straight into the line's text: no JSON object is built for it.
// Json's dump replaces invalid UTF-8, so a log line never fails.
void Logger::write(std::string_view level, std::string_view message, LogFields fields) const {
  std::string line = R"({"level":)";
  Json::dump_string_to(line, level);
  line += R"(,"msg":)";
  Json::dump_string_to(line, message);
  for (const LogField& field : fields) {
    line += ',';
    Json::dump_string_to(line, field.key);
    line += ':';
    field.value.dump_to(line);
  }
  line += '}';
  runtime_->host().log(line);
}

}  // namespace miti
