#include "miti/sql_store.hpp"

#include <algorithm>

#include "miti/error.hpp"
#include "runtime/request_scope.hpp"
#include "util/json_access.hpp"

namespace miti {

namespace {

constexpr std::string_view kBinding = "DB";

Json statement_json(const SqlStatement& statement) {
  if (statement.query.empty()) throw UsageError("SQL query must not be empty");
  if (statement.binds.size() > SqlStore::kMaxBoundParameters) {
    throw UsageError("SQL statement binds " + std::to_string(statement.binds.size()) +
                     " parameters; D1 allows at most " +
                     std::to_string(SqlStore::kMaxBoundParameters));
  }
  Json params = Json::array();
  for (const SqlValue& value : statement.binds) params.push_back(value.to_json());
  return {{"sql", statement.query}, {"params", std::move(params)}};
}

SqlRunResult meta_from(const Json& result) {
  // d1.run answers the meta object itself; all/batch results nest it.
  const Json* nested = result.find("meta");
  const Json& meta = nested != nullptr ? *nested : result;
  if (!meta.is_object()) return {};
  return SqlRunResult{
      .changes = util::int_or(meta, "changes", 0),
      .last_row_id = util::int_or(meta, "last_row_id", 0),
  };
}

// The host sends {"columns": [...], "rows": [[...], ...]} so that column order
// survives and one shared column list serves every row.
std::vector<SqlRow> rows_from(const Json& result) {
  auto columns = std::make_shared<std::vector<std::string>>();
  if (const Json* names = util::field(result, "columns"); names != nullptr && names->is_array()) {
    for (const Json& name : *names) columns->push_back(name.is_string() ? name.as_string() : "");
  }
  std::vector<SqlRow> rows;
  const Json* raw_rows = util::field(result, "rows");
  if (raw_rows == nullptr || !raw_rows->is_array()) return rows;
  rows.reserve(raw_rows->size());
  for (const Json& raw : *raw_rows) {
    if (!raw.is_array()) throw HostError("D1 answered a row that is not an array");
    std::vector<SqlValue> values;
    values.reserve(raw.size());
    for (const Json& cell : raw) values.push_back(SqlValue::from_json(cell));
    rows.emplace_back(columns, std::move(values));
  }
  return rows;
}

}  // namespace

const SqlValue* SqlRow::find(std::string_view column) const noexcept {
  const std::size_t count = std::min(columns_->size(), values_.size());
  for (std::size_t i = 0; i < count; ++i) {
    if ((*columns_)[i] == column) return &values_[i];
  }
  return nullptr;
}

const SqlValue& SqlRow::operator[](std::string_view column) const {
  if (const SqlValue* value = find(column)) return *value;
  throw UsageError("the row has no column '" + std::string(column) + "'");
}

namespace detail {
void throw_row_error(std::string_view struct_name, std::string_view column, const SqlValue* value,
                     const char* what) {
  std::string message = "reading " + std::string(struct_name) + ": ";
  if (value == nullptr) {
    message += "the row has no column '" + std::string(column) + "'";
  } else {
    message += "column '" + std::string(column) + "': " + what;
    if (value->is_null()) message += " (use std::optional for a nullable column)";
  }
  throw UsageError(message);
}
}  // namespace detail

Json SqlRow::to_json() const {
  Json object = Json::object();
  for (std::size_t i = 0; i < columns_->size(); ++i) {
    object[(*columns_)[i]] = values_.at(i).to_json();
  }
  return object;
}

SqlStore::SqlStore(runtime::RequestScope& scope, std::string module_name)
    : scope_(&scope), module_name_(std::move(module_name)) {}

namespace {

void require_binding(const runtime::RequestScope& scope) {
  if (!scope.env->has_binding(kBinding)) throw MissingBindingError(std::string(kBinding));
}

Json parse_answer(const std::string& payload) {
  std::optional<Json> parsed = Json::try_parse(payload);
  if (!parsed) throw HostError("the host answered with invalid JSON");
  return std::move(*parsed);
}

SqlRunResult decode_run(HostAnswer answer) {
  return meta_from(parse_answer(answer.payload));
}

std::vector<SqlRow> decode_rows(HostAnswer answer) {
  return rows_from(parse_answer(answer.payload));
}

std::optional<SqlRow> decode_first_row(HostAnswer answer) {
  std::vector<SqlRow> rows = rows_from(parse_answer(answer.payload));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<SqlBatchResult> decode_batch(HostAnswer answer) {
  Json parsed = parse_answer(answer.payload);
  const std::size_t sent = std::stoul(answer.detail);
  if (!parsed.is_array() || parsed.size() != sent) {
    throw HostError("D1 batch answered " + std::to_string(parsed.size()) + " results for " +
                    std::to_string(sent) + " statements");
  }
  std::vector<SqlBatchResult> results;
  results.reserve(sent);
  for (const Json& result : parsed) {
    results.push_back(SqlBatchResult{.rows = rows_from(result), .meta = meta_from(result)});
  }
  return results;
}

std::vector<SqlBatchResult> decode_empty_batch(HostAnswer) {
  return {};
}

}  // namespace

std::string SqlStore::statement_op(const char* kind, const SqlStatement& statement) const {
  require_binding(*scope_);
  Json op = statement_json(statement);
  op["op"] = kind;
  return op.dump();
}

std::vector<SqlRow> SqlStore::answer_rows(const std::string& payload) {
  return rows_from(parse_answer(payload));
}

HostTask<SqlRunResult> SqlStore::run(const SqlStatement& statement) {
  return HostTask<SqlRunResult>(*scope_, statement_op("d1.run", statement), &decode_run);
}

HostTask<std::vector<SqlRow>> SqlStore::all(const SqlStatement& statement) {
  return HostTask<std::vector<SqlRow>>(*scope_, statement_op("d1.all", statement), &decode_rows);
}

HostTask<std::optional<SqlRow>> SqlStore::first(const SqlStatement& statement) {
  return HostTask<std::optional<SqlRow>>(*scope_, statement_op("d1.first", statement),
                                         &decode_first_row);
}

Task<SqlChunkedRun> SqlStore::run_in_chunks(SqlStatement statement, std::int64_t chunk_rows,
                                            int max_statements) {
  if (chunk_rows < 1 || max_statements < 1) {
    throw UsageError("run_in_chunks needs chunk_rows >= 1 and max_statements >= 1");
  }
  SqlChunkedRun done;
  do {
    SqlRunResult chunk = co_await run(statement);
    ++done.statements;
    done.changes += chunk.changes;
    done.more = chunk.changes >= chunk_rows;
  } while (done.more && done.statements < max_statements);
  co_return done;
}

HostTask<std::vector<SqlBatchResult>> SqlStore::batch(const std::vector<SqlStatement>& statements) {
  require_binding(*scope_);
  Json list = Json::array();
  for (const SqlStatement& statement : statements) list.push_back(statement_json(statement));
  Json op = {{"op", "d1.batch"}, {"statements", std::move(list)}};
  // An empty batch has nothing to send.
  if (statements.empty()) {
    return HostTask<std::vector<SqlBatchResult>>(*scope_, std::string(), &decode_empty_batch);
  }
  return HostTask<std::vector<SqlBatchResult>>(*scope_, op.dump(), &decode_batch, nullptr,
                                               std::to_string(statements.size()));
}

}  // namespace miti
