// KvStore: a module's view of Workers KV. Every key is stored as
// "<module>:<key>"; a module never sees or lists another module's keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "miti/host_task.hpp"
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

  // Each call is one host operation, awaited at once:
  //   std::optional<std::string> value = co_await ctx.db().get("key");
  // A bad key or TTL is a UsageError, thrown by the call itself.
  HostTask<std::optional<std::string>> get(std::string_view key);
  // A TTL, when given, is at least 60 seconds (Workers KV's minimum).
  HostTask<void> put(std::string_view key, std::string_view value,
                     std::optional<int> ttl_seconds = std::nullopt);
  HostTask<void> remove(std::string_view key);
  HostTask<KvListResult> list(const KvListOptions& options = {});

  // Missing or corrupt JSON gives std::nullopt; each corrupt read logs a warning.
  HostTask<std::optional<Json>> get_json(std::string_view key);
  // put_json takes a Json or anything that converts to one (a MITI_FIELDS
  // struct, a vector, ...).
  HostTask<void> put_json(std::string_view key, const Json& value,
                          std::optional<int> ttl_seconds = std::nullopt);

  // The record as a MITI_FIELDS struct (or any type Json::get<T> reads);
  // missing, corrupt or of another shape gives std::nullopt, the last two
  // with a warning naming the key and what was wrong.
  template <typename T>
  requires(!std::same_as<T, Json>) HostTask<std::optional<T>> get_json(std::string_view key) {
    return HostTask<std::optional<T>>(scope(), get_op(key), &decode_json_as<T>, this,
                                      std::string(key));
  }

  const std::string& key_prefix() const noexcept { return prefix_; }

 private:
  template <typename T>
  static std::optional<T> decode_json_as(HostAnswer answer) {
    const auto* store = static_cast<const KvStore*>(answer.context);
    std::optional<Json> json = store->parse_json(answer.payload, answer.detail);
    if (!json) return std::nullopt;
    try {
      return json->get<T>();
    } catch (const JsonError& error) {
      store->warn_corrupt(answer.detail, error.what());
    }
    return std::nullopt;
  }
  static std::optional<Json> decode_json(HostAnswer answer);
  // The stored text as JSON (nullopt when missing or corrupt, with a warning).
  std::optional<Json> parse_json(const std::string& payload, std::string_view key) const;
  runtime::RequestScope& scope() const noexcept { return *scope_; }
  std::string get_op(std::string_view key) const;
  std::string full_key(std::string_view key) const;
  void require_binding() const;
  void warn_corrupt(std::string_view key, std::string_view reason) const;

  runtime::RequestScope* scope_;
  std::string prefix_;
};

}  // namespace miti
