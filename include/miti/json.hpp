// The JSON type used across miti's public API.
#pragma once

#include <nlohmann/json.hpp>

namespace miti {
using Json = nlohmann::json;
}  // namespace miti
