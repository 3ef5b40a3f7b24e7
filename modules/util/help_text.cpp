#include "util/help_text.hpp"

#include <miti/text.hpp>

namespace util_module {

namespace {
void append_commands(std::string& section, const miti::ModuleDefinition& module,
                     miti::Visibility visibility) {
  for (const miti::Command& command : module.commands) {
    if (command.visibility != visibility) continue;
    section += "\n/" + miti::escape_html(command.name) + " \u2014 " +
               miti::escape_html(command.description);
    if (visibility == miti::Visibility::kProtected) section += " (protected)";
  }
}
}  // namespace

std::string render_help(const std::vector<miti::ModuleDefinition>& modules) {
  std::string text;
  for (const miti::ModuleDefinition& module : modules) {
    std::string lines;
    append_commands(lines, module, miti::Visibility::kPublic);
    append_commands(lines, module, miti::Visibility::kProtected);
    if (lines.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += "<b>" + miti::escape_html(module.name) + "</b>" + lines;
  }
  return text.empty() ? "no commands registered" : text;
}

}  // namespace util_module
