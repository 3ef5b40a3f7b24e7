// KvStore: a module's view of Workers KV. Every key is stored as
// "<module>:<key>"; a module never sees or lists another module's keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "miti/json.hpp"
#include "miti/task.hpp"

namespace miti {

namespace runtime {
struct RequestScope;
}

struct KvListOptions {
  std::string prefix;  // within the module's own keys
  int limit = 1000;    // 1..1000, Workers KV's page size
  std::string cursor;  // from the previous page; empty for the first
};

struct KvListResult {
  std::vector<std::string> keys;  // without the module prefix
  std::string cursor;             // pass to the next list call while !done
  bool done = true;
};

class KvStore {
 public:
  static constexpr std::size_t kMaxKeyBytes = 512;  // after prefixing
  static constexpr int kMinTtlSeconds = 60;

  KvStore(runtime::RequestScope& scope, std::string module_name);

  // Coroutine parameters are taken by value: tasks start lazily, so a view
  // could outlive the caller's string.
  Task<std::optional<std::string>> get(std::string key);
  // A TTL, when given, is at least 60 seconds (Workers KV's minimum).
  Task<void> put(std::string key, std::string value, std::optional<int> ttl_seconds = std::nullopt);
  Task<void> remove(std::string key);
  Task<KvListResult> list(KvListOptions options = {});

  // Missing or corrupt JSON gives std::nullopt; each corrupt read logs a warning.
  Task<std::optional<Json>> get_json(std::string key);
  // put_json takes a Json or anything that converts to one (a MITI_FIELDS
  // struct, a vector, ...).
  Task<void> put_json(std::string key, Json value, std::optional<int> ttl_seconds = std::nullopt);

  // The record as a MITI_FIELDS struct (or any type Json::get<T> reads);
  // missing, corrupt or of another shape gives std::nullopt, the last two
  // with a warning naming the key and what was wrong.
  template <typename T>
  requires(!std::same_as<T, Json>) Task<std::optional<T>> get_json(std::string key) {
    std::optional<Json> json = co_await get_json(key);
    if (!json) co_return std::nullopt;
    try {
      co_return json->get<T>();
    } catch (const JsonError& error) {
      warn_corrupt(key, error.what());
    }
    co_return std::nullopt;
  }

  const std::string& key_prefix() const noexcept { return prefix_; }

 private:
  std::string full_key(std::string_view key) const;
  void require_binding() const;
  void warn_corrupt(std::string_view key, std::string_view reason) const;

  runtime::RequestScope* scope_;
  std::string prefix_;
};

}  // namespace miti
