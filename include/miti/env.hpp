// The Worker's environment as modules see it: its text variables, and which
// bindings exist. Secrets used only by the host (the bot token) are not here.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace miti {

class Env {
 public:
  Env() = default;
  Env(std::map<std::string, std::string, std::less<>> vars,
      std::set<std::string, std::less<>> bindings)
      : vars_(std::move(vars)), bindings_(std::move(bindings)) {}

  std::optional<std::string_view> var(std::string_view name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return std::string_view{it->second};
  }
  std::string_view var_or(std::string_view name, std::string_view fallback) const {
    return var(name).value_or(fallback);
  }
  bool has_binding(std::string_view name) const { return bindings_.contains(name); }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
  std::set<std::string, std::less<>> bindings_;
};

}  // namespace miti
