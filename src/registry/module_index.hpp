// The modules compiled into this build, discovered from modules/*/ by CMake
// (see cmake/MitiModules.cmake, which generates the definition).
#pragma once

#include <span>
#include <string_view>

#include "miti/module.hpp"

namespace miti::registry {

struct ModuleEntry {
  std::string_view folder;
  ModuleDefinition (*factory)();
};

std::span<const ModuleEntry> compiled_modules();

}  // namespace miti::registry
