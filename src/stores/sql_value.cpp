#include <cmath>

#include "miti/error.hpp"
#include "miti/sql_store.hpp"

namespace miti {

namespace {
constexpr double kMaxSafeDouble = 9007199254740991.0;  // 2^53 - 1, JS Number.MAX_SAFE_INTEGER

const char* type_name(const SqlValue& value) {
  if (value.is_null()) return "NULL";
  if (value.is_integer()) return "INTEGER";
  if (value.is_real()) return "REAL";
  if (value.is_text()) return "TEXT";
  return "BLOB";
}
}  // namespace

void SqlValue::throw_unsafe_integer() {
  throw UsageError(
      "integer beyond +-(2^53 - 1) cannot travel through D1 exactly (D1 numbers are doubles); "
      "store it as TEXT");
}

SqlValue::SqlValue(double value) {
  if (!std::isfinite(value)) throw UsageError("SQL values must be finite numbers");
  value_ = value;
}

std::int64_t SqlValue::as_integer() const {
  if (const auto* integer = std::get_if<std::int64_t>(&value_)) return *integer;
  if (const auto* real = std::get_if<double>(&value_)) {
    if (std::trunc(*real) == *real && std::fabs(*real) <= kMaxSafeDouble) {
      return static_cast<std::int64_t>(*real);
    }
  }
  throw UsageError(std::string("expected an INTEGER, got ") + type_name(*this));
}

double SqlValue::as_real() const {
  if (const auto* real = std::get_if<double>(&value_)) return *real;
  if (const auto* integer = std::get_if<std::int64_t>(&value_)) {
    return static_cast<double>(*integer);
  }
  throw UsageError(std::string("expected a REAL, got ") + type_name(*this));
}

const std::string& SqlValue::as_text() const {
  if (const auto* text = std::get_if<std::string>(&value_)) return *text;
  throw UsageError(std::string("expected TEXT, got ") + type_name(*this));
}

const Blob& SqlValue::as_blob() const {
  if (const auto* blob = std::get_if<Blob>(&value_)) return *blob;
  throw UsageError(std::string("expected a BLOB, got ") + type_name(*this));
}

Json SqlValue::to_json() const {
  return std::visit(
      [](const auto& v) -> Json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<V, Blob>) {
          Json marked = Json::object();  // a marker object, see from_json
          marked["$blob"] = v;
          return marked;
        } else {
          return v;
        }
      },
      value_);
}

SqlValue SqlValue::from_json(const Json& json) {
  switch (json.type()) {
    case Json::Type::kNull:
      return {};
    case Json::Type::kBool:
      return SqlValue(json.as_bool());
    case Json::Type::kInteger:
      return SqlValue(json.as_integer());
    case Json::Type::kReal: {
      double real = json.as_number();
      // D1 gives integers as doubles; a whole number past 2^53 has been rounded.
      if (std::trunc(real) == real && std::fabs(real) > kMaxSafeDouble) throw_unsafe_integer();
      return SqlValue(real);
    }
    case Json::Type::kString:
      return SqlValue(json.as_string());
    case Json::Type::kObject:
      if (const Json* bytes = json.find("$blob")) return SqlValue(bytes->get<Blob>());
      break;
    case Json::Type::kArray:
      return SqlValue(json.get<Blob>());
  }
  throw UsageError("D1 returned a value miti cannot represent: " + json.dump());
}

}  // namespace miti
