#include "miti/kv_store.hpp"

#include "miti/error.hpp"
#include "runtime/request_scope.hpp"
#include "util/json_access.hpp"

namespace miti {

namespace {
constexpr std::string_view kBinding = "KV";
constexpr int kMaxListLimit = 1000;

// kv.get answers the value as a JSON string, or null.
std::optional<std::string> stored_text(const std::string& payload) {
  std::optional<Json> value = Json::try_parse(payload);
  if (!value) throw HostError("the host answered with invalid JSON");
  if (!value->is_string()) return std::nullopt;
  return value->as_string();
}

std::optional<std::string> decode_value(HostAnswer answer) {
  return stored_text(answer.payload);
}

void decode_nothing(HostAnswer) {}
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

std::string KvStore::get_op(std::string_view key) const {
  require_binding();
  return Json{{"op", "kv.get"}, {"key", full_key(key)}}.dump();
}

HostTask<std::optional<std::string>> KvStore::get(std::string_view key) {
  return HostTask<std::optional<std::string>>(*scope_, get_op(key), &decode_value);
}

HostTask<void> KvStore::put(std::string_view key, std::string_view value,
                            std::optional<int> ttl_seconds) {
  require_binding();
  Json op = {{"op", "kv.put"}, {"key", full_key(key)}, {"value", value}};
  if (ttl_seconds) {
    if (*ttl_seconds < kMinTtlSeconds) {
      throw UsageError("KV TTL must be at least " + std::to_string(kMinTtlSeconds) +
                       " seconds, got " + std::to_string(*ttl_seconds));
    }
    op["ttl"] = *ttl_seconds;
  }
  return HostTask<void>(*scope_, op.dump(), &decode_nothing);
}

HostTask<void> KvStore::remove(std::string_view key) {
  require_binding();
  return HostTask<void>(*scope_, Json{{"op", "kv.delete"}, {"key", full_key(key)}}.dump(),
                        &decode_nothing);
}

namespace {
KvListResult decode_page(HostAnswer answer) {
  const auto* store = static_cast<const KvStore*>(answer.context);
  const std::string& prefix = store->key_prefix();
  std::optional<Json> page = Json::try_parse(answer.payload);
  if (!page) throw HostError("the host answered with invalid JSON");
  KvListResult result;
  for (const Json& name : (*page)["keys"]) {
    if (!name.is_string()) continue;
    const std::string& full = name.as_string();
    // The host lists by our prefix, so every key carries it; check anyway so a
    // host bug can never leak another module's keys.
    if (full.starts_with(prefix)) result.keys.push_back(full.substr(prefix.size()));
  }
  result.done = util::bool_or(*page, "done", true);
  if (!result.done) result.cursor = util::string_or(*page, "cursor", "");
  return result;
}
}  // namespace

HostTask<KvListResult> KvStore::list(const KvListOptions& options) {
  require_binding();
  if (options.limit < 1 || options.limit > kMaxListLimit) {
    throw UsageError("KV list limit must be between 1 and 1000, got " +
                     std::to_string(options.limit));
  }
  Json op = {{"op", "kv.list"}, {"prefix", prefix_ + options.prefix}, {"limit", options.limit}};
  if (!options.cursor.empty()) op["cursor"] = options.cursor;
  return HostTask<KvListResult>(*scope_, op.dump(), &decode_page, this);
}

std::optional<Json> KvStore::parse_json(const std::string& payload, std::string_view key) const {
  std::optional<std::string> text = stored_text(payload);
  if (!text) return std::nullopt;
  std::optional<Json> parsed = Json::try_parse(*text);
  if (!parsed) warn_corrupt(key, "not JSON");
  return parsed;
}

std::optional<Json> KvStore::decode_json(HostAnswer answer) {
  return static_cast<const KvStore*>(answer.context)->parse_json(answer.payload, answer.detail);
}

HostTask<std::optional<Json>> KvStore::get_json(std::string_view key) {
  return HostTask<std::optional<Json>>(*scope_, get_op(key), &decode_json, this, std::string(key));
}

HostTask<void> KvStore::put_json(std::string_view key, const Json& value,
                                 std::optional<int> ttl_seconds) {
  return put(key, value.dump(), ttl_seconds);
}

void KvStore::warn_corrupt(std::string_view key, std::string_view reason) const {
  scope_->log.warn("corrupt JSON in KV", {{"key", prefix_ + std::string(key)}, {"error", reason}});
}

}  // namespace miti
