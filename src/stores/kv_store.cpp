#include "miti/kv_store.hpp"

#include "miti/error.hpp"
#include "runtime/request_scope.hpp"
#include "util/json_access.hpp"

namespace miti {

namespace {
constexpr std::string_view kBinding = "KV";
constexpr int kMaxListLimit = 1000;
}  // namespace

KvStore::KvStore(runtime::RequestScope& scope, std::string module_name)
    : scope_(&scope), prefix_(std::move(module_name) + ":") {}

void KvStore::require_binding() const {
  if (!scope_->env->has_binding(kBinding)) throw MissingBindingError(std::string(kBinding));
}

std::string KvStore::full_key(std::string_view key) const {
  if (key.empty()) throw UsageError("KV key must not be empty");
  std::string full = prefix_;
  full.append(key);
  if (full.size() > kMaxKeyBytes) {
    throw UsageError("KV key is " + std::to_string(full.size()) + " bytes with its prefix '" +
                     prefix_ + "'; Workers KV allows " + std::to_string(kMaxKeyBytes));
  }
  return full;
}

Task<std::optional<std::string>> KvStore::get(std::string key) {
  require_binding();
  Json op = {{"op", "kv.get"}, {"key", full_key(key)}};
  Json value = co_await runtime::host_call(*scope_, op);
  if (value.is_string()) co_return value.get<std::string>();
  co_return std::nullopt;
}

Task<void> KvStore::put(std::string key, std::string value, std::optional<int> ttl_seconds) {
  require_binding();
  Json op = {{"op", "kv.put"}, {"key", full_key(key)}, {"value", std::move(value)}};
  if (ttl_seconds) {
    if (*ttl_seconds < kMinTtlSeconds) {
      throw UsageError("KV TTL must be at least " + std::to_string(kMinTtlSeconds) +
                       " seconds, got " + std::to_string(*ttl_seconds));
    }
    op["ttl"] = *ttl_seconds;
  }
  co_await runtime::host_call(*scope_, op);
}

Task<void> KvStore::remove(std::string key) {
  require_binding();
  Json op = {{"op", "kv.delete"}, {"key", full_key(key)}};
  co_await runtime::host_call(*scope_, op);
}

Task<KvListResult> KvStore::list(KvListOptions options) {
  require_binding();
  if (options.limit < 1 || options.limit > kMaxListLimit) {
    throw UsageError("KV list limit must be between 1 and 1000, got " +
                     std::to_string(options.limit));
  }
  Json op = {{"op", "kv.list"}, {"prefix", prefix_ + options.prefix}, {"limit", options.limit}};
  if (!options.cursor.empty()) op["cursor"] = options.cursor;
  Json page = co_await runtime::host_call(*scope_, op);

  KvListResult result;
  const Json* keys = util::field(page, "keys");
  for (const Json& name : keys != nullptr ? *keys : Json()) {
    if (!name.is_string()) continue;
    const std::string& full = name.as_string();
    // The host lists by our prefix, so every key carries it; check anyway so a
    // host bug can never leak another module's keys.
    if (full.starts_with(prefix_)) result.keys.push_back(full.substr(prefix_.size()));
  }
  result.done = util::bool_or(page, "done", true);
  if (!result.done) result.cursor = util::string_or(page, "cursor", "");
  co_return result;
}

Task<std::optional<Json>> KvStore::get_json(std::string key) {
  std::optional<std::string> text = co_await get(key);
  if (!text) co_return std::nullopt;
  std::optional<Json> parsed = Json::try_parse(*text);
  if (!parsed) warn_corrupt(key, "not JSON");
  co_return parsed;
}

void KvStore::warn_corrupt(std::string_view key, std::string_view reason) const {
  scope_->log.warn("corrupt JSON in KV", {{"key", prefix_ + std::string(key)}, {"error", reason}});
}

Task<void> KvStore::put_json(std::string key, Json value, std::optional<int> ttl_seconds) {
  co_await put(std::move(key), value.dump(), ttl_seconds);
}

}  // namespace miti
