// Reading fields from JSON the host or the Bot API sent, where a missing or
// mistyped field means "use the fallback" and never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "miti/json.hpp"

namespace miti::util {

inline const Json* field(const Json& object, std::string_view name) {
  return object.find(name);
}

// A JSON integer field, or nothing (missing, or of another type).
inline std::optional<std::int64_t> integer(const Json& object, std::string_view name) {
  const Json* value = object.find(name);
  if (value == nullptr || !value->is_integer()) return std::nullopt;
  return value->as_integer();
}

// A JSON string field, or nothing (missing, or of another type).
inline std::optional<std::string> text(const Json& object, std::string_view name) {
  const Json* value = object.find(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->as_string();
}

inline std::int64_t int_or(const Json& object, std::string_view name, std::int64_t fallback) {
  const Json* value = object.find(name);
  if (value == nullptr) return fallback;
  if (value->is_integer()) return value->as_integer();
  if (value->is_real()) return static_cast<std::int64_t>(value->as_number());
  return fallback;
}

inline bool bool_or(const Json& object, std::string_view name, bool fallback) {
  const Json* value = object.find(name);
  return value != nullptr && value->is_bool() ? value->as_bool() : fallback;
}

inline std::string string_or(const Json& object, std::string_view name, std::string fallback) {
  return text(object, name).value_or(std::move(fallback));
}

}  // namespace miti::util
