// Renders /help: one bold section per module, public commands then protected
// ones, private commands never. HTML parse mode, so everything is escaped.
#pragma once

#include <miti/module.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace util_module {

std::string render_help(const std::vector<miti::ModuleDefinition>& modules);

}  // namespace util_module
