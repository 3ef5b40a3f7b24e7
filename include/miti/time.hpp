// Time helpers for modules. Workers only know UTC.
#pragma once

#include <cstdint>
#include <string>

namespace miti {

// "2026-11-27T05:30:00.123Z" for milliseconds since the Unix epoch.
std::string iso8601_utc(std::int64_t epoch_ms);

}  // namespace miti
