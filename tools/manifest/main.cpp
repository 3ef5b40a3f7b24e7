// miti-manifest: prints the registry the Worker would build, as JSON, so that
// scripts (register, the cron check) derive commands, crons and the update
// types to subscribe to from the same C++ definitions the Worker runs. The
// framework's own module ("miti") comes last.
//
//   miti-manifest [--modules "util,misc"]   (default: every compiled module)
//
// Exit 1 with the registry's own message when validation fails.
#include <iostream>
#include <string>

#include "miti/json.hpp"
#include "registry/module_index.hpp"
#include "registry/registry.hpp"

namespace {

const char* visibility_name(miti::Visibility visibility) {
  switch (visibility) {
    case miti::Visibility::kPublic:
      return "public";
    case miti::Visibility::kProtected:
      return "protected";
    case miti::Visibility::kPrivate:
      return "private";
  }
  return "private";
}

std::string all_modules() {
  std::string list;
  for (const auto& entry : miti::registry::compiled_modules()) {
    if (!list.empty()) list += ",";
    list += entry.folder;
  }
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  std::string modules = all_modules();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--modules" && i + 1 < argc) {
      modules = argv[++i];
    } else {
      std::cerr << "usage: miti-manifest [--modules \"a,b\"]\n";
      return 2;
    }
  }
  try {
    auto registry = miti::registry::Registry::build(miti::registry::compiled_modules(), modules);
    miti::Json out = {{"modules", miti::Json::array()}};
    for (const auto& module : registry.modules()) {
      miti::Json commands = miti::Json::array();
      for (const auto& command : module.commands) {
        commands.push_back({{"name", command.name},
                            {"visibility", visibility_name(command.visibility)},
                            {"description", command.description}});
      }
      miti::Json crons = miti::Json::array();
      for (const auto& cron : module.crons) {
        crons.push_back({{"name", cron.name}, {"schedule", cron.schedule}});
      }
      miti::Json callbacks = miti::Json::array();
      for (const auto& callback : module.callbacks) callbacks.push_back(callback.name);
      miti::Json messages = miti::Json::array();
      for (const auto& handler : module.messages) messages.push_back(handler.name);
      miti::Json steps = miti::Json::array();
      for (const auto& step : module.steps) steps.push_back(step.name);
      out["modules"].push_back({{"name", module.name},
                                {"commands", commands},
                                {"callbacks", callbacks},
                                {"messages", messages},
                                {"steps", steps},
                                {"on_membership", module.on_membership != nullptr},
                                {"on_unknown_command", module.on_unknown_command != nullptr},
                                {"crons", crons}});
    }
    // What setWebhook's allowed_updates must be for these modules.
    out["allowed_updates"] = registry.allowed_updates();
    std::cout << out.dump(2) << "\n";
  } catch (const std::exception& error) {
    std::cerr << "miti-manifest: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
