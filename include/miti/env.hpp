// The Worker's environment as modules see it: its text variables, and which
// bindings exist. Secrets used only by the host (the bot token) are not here.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace miti {

class Env {
 public:
  using Vars = std::vector<std::pair<std::string, std::string>>;

  Env() = default;
  Env(Vars vars, std::vector<std::string> bindings)
      : vars_(std::move(vars)), bindings_(std::move(bindings)) {}

  std::optional<std::string_view> var(std::string_view name) const {
    for (const auto& [key, value] : vars_) {
      if (key == name) return std::string_view{value};
    }
    return std::nullopt;
  }
  std::string_view var_or(std::string_view name, std::string_view fallback) const {
    return var(name).value_or(fallback);
  }
  bool has_binding(std::string_view name) const {
    return std::find(bindings_.begin(), bindings_.end(), name) != bindings_.end();
  }

 private:
  // A Worker has a handful of variables: a list is smaller and as quick as a map.
  Vars vars_;
  std::vector<std::string> bindings_;
};

}  // namespace miti
