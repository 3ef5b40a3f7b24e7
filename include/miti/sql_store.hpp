// SqlStore: a module's view of Cloudflare D1 (SQLite).
//
// Table names are written literally in SQL ("notes_notes"); by convention they
// start with table_prefix() = "<module>_", and nothing is ever rewritten.
// D1 carries numbers as JS doubles, so integers beyond +-(2^53 - 1) are refused
// instead of being rounded silently.
//
// Rows come back untyped (SqlRow, read by column name) or as the module's own
// struct declared with MITI_FIELDS (miti/fields.hpp):
//
//   std::vector<Note> notes = co_await ctx.sql().all<Note>("SELECT id, text FROM notes_notes");
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "miti/error.hpp"
#include "miti/fields.hpp"
#include "miti/host_task.hpp"
#include "miti/json.hpp"
#include "miti/task.hpp"

namespace miti {

namespace runtime {
struct RequestScope;
}

using Blob = std::vector<std::uint8_t>;

// One SQLite value: NULL, INTEGER, REAL, TEXT or BLOB.
class SqlValue {
 public:
  // 2^53 - 1: beyond it a double cannot tell n from n + 1, so D1 may round.
  static constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;

  SqlValue() = default;
  SqlValue(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  SqlValue(bool value) : value_(std::int64_t{value ? 1 : 0}) {}  // NOLINT
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
      SqlValue(I value)
      : value_(checked_integer(value)) {}                           // NOLINT
  SqlValue(double value);                                           // NOLINT
  SqlValue(std::string value) : value_(std::move(value)) {}         // NOLINT
  SqlValue(std::string_view value) : value_(std::string(value)) {}  // NOLINT
  SqlValue(const char* value) : value_(std::string(value)) {}       // NOLINT
  SqlValue(Blob value) : value_(std::move(value)) {}                // NOLINT
  template <typename T>
  SqlValue(const std::optional<T>& value) {  // NOLINT
    if (value) *this = SqlValue(*value);
  }

  bool is_null() const noexcept { return std::holds_alternative<std::monostate>(value_); }
  bool is_integer() const noexcept { return std::holds_alternative<std::int64_t>(value_); }
  bool is_real() const noexcept { return std::holds_alternative<double>(value_); }
  bool is_text() const noexcept { return std::holds_alternative<std::string>(value_); }
  bool is_blob() const noexcept { return std::holds_alternative<Blob>(value_); }

  // Typed access; a value of another type is a UsageError (a REAL with an
  // integral value reads as an integer, an INTEGER reads as a real).
  std::int64_t as_integer() const;
  double as_real() const;
  const std::string& as_text() const;
  const Blob& as_blob() const;

  // Blobs become {"$blob": [bytes]}, which the shim turns into a Uint8Array.
  Json to_json() const;
  // From a value D1 returned; an integer beyond 2^53 - 1 is refused.
  static SqlValue from_json(const Json& json);

 private:
  template <typename I>
  static std::int64_t checked_integer(I value) {
    if constexpr (std::is_unsigned_v<I>) {
      if (value > static_cast<std::uint64_t>(kMaxSafeInteger)) throw_unsafe_integer();
    } else {
      if (value > kMaxSafeInteger || value < -kMaxSafeInteger) throw_unsafe_integer();
    }
    return static_cast<std::int64_t>(value);
  }
  [[noreturn]] static void throw_unsafe_integer();

  std::variant<std::monostate, std::int64_t, double, std::string, Blob> value_;
};

// A result row: values by column name (or position), in the query's order.
class SqlRow {
 public:
  SqlRow(std::shared_ptr<const std::vector<std::string>> columns, std::vector<SqlValue> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  const std::vector<std::string>& columns() const noexcept { return *columns_; }
  std::size_t size() const noexcept { return values_.size(); }
  bool has(std::string_view column) const { return find(column) != nullptr; }
  // nullptr when the row has no such column.
  const SqlValue* find(std::string_view column) const noexcept;
  // Throws UsageError naming the column when the row has no such column.
  const SqlValue& operator[](std::string_view column) const;
  const SqlValue& at(std::size_t index) const { return values_.at(index); }

  std::int64_t integer(std::string_view column) const { return (*this)[column].as_integer(); }
  double real(std::string_view column) const { return (*this)[column].as_real(); }
  const std::string& text(std::string_view column) const { return (*this)[column].as_text(); }
  const Blob& blob(std::string_view column) const { return (*this)[column].as_blob(); }
  bool is_null(std::string_view column) const { return (*this)[column].is_null(); }

  Json to_json() const;  // {"column": value, ...}

  // The row as a MITI_FIELDS struct; UsageError names the struct, the column
  // and the types when a column is missing or holds another type.
  template <detail::HasFields T>
  T as() const;

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<SqlValue> values_;
};

struct SqlStatement {
  std::string query;
  std::vector<SqlValue> binds;
};

template <typename T>
concept SqlBindable = std::is_constructible_v<SqlValue, T>;

// What SqlStore::run_in_chunks did.
struct SqlChunkedRun {
  std::int64_t changes = 0;  // rows changed in all
  int statements = 0;        // how many times the statement ran
  bool more = false;         // the last run was full: rows may be left for next time
};

struct SqlRunResult {
  std::int64_t changes = 0;
  std::int64_t last_row_id = 0;
};

struct SqlBatchResult {
  std::vector<SqlRow> rows;
  SqlRunResult meta;
};

class SqlStore {
 public:
  static constexpr std::size_t kMaxBoundParameters = 100;  // D1's limit per statement

  SqlStore(runtime::RequestScope& scope, std::string module_name);

  template <SqlBindable... Binds>
  static SqlStatement prepare(std::string_view query, Binds&&... binds) {
    return SqlStatement{std::string(query), {SqlValue(std::forward<Binds>(binds))...}};
  }

  // Each call is one host operation (one D1 round trip), awaited at once:
  //   std::vector<SqlRow> rows = co_await ctx.sql().all("SELECT ...", binds...);
  HostTask<SqlRunResult> run(const SqlStatement& statement);
  HostTask<std::vector<SqlRow>> all(const SqlStatement& statement);
  HostTask<std::optional<SqlRow>> first(const SqlStatement& statement);
  // One round trip; atomic: if any statement fails, none of them applies.
  HostTask<std::vector<SqlBatchResult>> batch(const std::vector<SqlStatement>& statements);

  template <SqlBindable... Binds>
  HostTask<SqlRunResult> run(std::string_view query, Binds&&... binds) {
    return run(prepare(query, std::forward<Binds>(binds)...));
  }
  template <SqlBindable... Binds>
  HostTask<std::vector<SqlRow>> all(std::string_view query, Binds&&... binds) {
    return all(prepare(query, std::forward<Binds>(binds)...));
  }
  template <SqlBindable... Binds>
  HostTask<std::optional<SqlRow>> first(std::string_view query, Binds&&... binds) {
    return first(prepare(query, std::forward<Binds>(binds)...));
  }

  // Typed rows: every row as a MITI_FIELDS struct.
  template <detail::HasFields T>
  HostTask<std::vector<T>> all(const SqlStatement& statement) {
    return HostTask<std::vector<T>>(scope(), statement_op("d1.all", statement), &decode_all<T>);
  }
  template <detail::HasFields T>
  HostTask<std::optional<T>> first(const SqlStatement& statement) {
    return HostTask<std::optional<T>>(scope(), statement_op("d1.first", statement),
                                      &decode_first<T>);
  }
  // The first row; a query that returns none is an Error (for INSERT ...
  // RETURNING and upserts, which always return one).
  template <detail::HasFields T>
  HostTask<T> one(const SqlStatement& statement) {
    return HostTask<T>(scope(), statement_op("d1.first", statement), &decode_one<T>, nullptr,
                       statement.query);
  }
  template <detail::HasFields T, SqlBindable... Binds>
  HostTask<std::vector<T>> all(std::string_view query, Binds&&... binds) {
    return all<T>(prepare(query, std::forward<Binds>(binds)...));
  }
  template <detail::HasFields T, SqlBindable... Binds>
  HostTask<std::optional<T>> first(std::string_view query, Binds&&... binds) {
    return first<T>(prepare(query, std::forward<Binds>(binds)...));
  }
  template <detail::HasFields T, SqlBindable... Binds>
  HostTask<T> one(std::string_view query, Binds&&... binds) {
    return one<T>(prepare(query, std::forward<Binds>(binds)...));
  }

  // Runs a statement that changes at most `chunk_rows` rows (its own LIMIT,
  // e.g. "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE ... LIMIT 1000)")
  // again and again until a run changes fewer, at most `max_statements` times:
  // the way to delete or update many rows within D1's per-invocation limits.
  Task<SqlChunkedRun> run_in_chunks(SqlStatement statement, std::int64_t chunk_rows,
                                    int max_statements);

  // "<module>_": the prefix this module's tables are named with.
  std::string table_prefix() const { return module_name_ + "_"; }

 private:
  runtime::RequestScope& scope() const { return *scope_; }
  // The host operation text of one statement ("d1.all", "d1.first", "d1.run").
  std::string statement_op(const char* kind, const SqlStatement& statement) const;
  // The rows of a d1.all / d1.first answer.
  static std::vector<SqlRow> answer_rows(const std::string& payload);

  template <detail::HasFields T>
  static std::vector<T> decode_all(HostAnswer answer) {
    std::vector<SqlRow> rows = answer_rows(answer.payload);
    std::vector<T> typed;
    typed.reserve(rows.size());
    for (const SqlRow& row : rows) typed.push_back(row.as<T>());
    return typed;
  }
  template <detail::HasFields T>
  static std::optional<T> decode_first(HostAnswer answer) {
    std::vector<SqlRow> rows = answer_rows(answer.payload);
    if (rows.empty()) return std::nullopt;
    return rows.front().as<T>();
  }
  template <detail::HasFields T>
  static T decode_one(HostAnswer answer) {
    std::vector<SqlRow> rows = answer_rows(answer.payload);
    if (rows.empty()) throw Error("SQL query returned no row: " + answer.detail);
    return rows.front().as<T>();
  }

  runtime::RequestScope* scope_;
  std::string module_name_;
};

// ---------------------------------------------------------------- typed rows

namespace detail {

// Reads one column into a field of type T.
template <typename T>
struct SqlCell;
template <>
struct SqlCell<bool> {
  static void read(const SqlValue& value, bool& out) { out = value.as_integer() != 0; }
};
template <std::integral I>
requires(!std::same_as<I, bool>) struct SqlCell<I> {
  static void read(const SqlValue& value, I& out) {
    std::int64_t integer = value.as_integer();
    if (!std::in_range<I>(integer)) {
      throw UsageError("the value " + std::to_string(integer) + " does not fit the field's type");
    }
    out = static_cast<I>(integer);
  }
};
template <>
struct SqlCell<double> {
  static void read(const SqlValue& value, double& out) { out = value.as_real(); }
};
template <>
struct SqlCell<std::string> {
  static void read(const SqlValue& value, std::string& out) { out = value.as_text(); }
};
template <>
struct SqlCell<Blob> {
  static void read(const SqlValue& value, Blob& out) { out = value.as_blob(); }
};
template <typename T>
struct SqlCell<std::optional<T>> {
  static void read(const SqlValue& value, std::optional<T>& out) {
    if (value.is_null()) {
      out.reset();
    } else {
      SqlCell<T>::read(value, out.emplace());
    }
  }
};

[[noreturn]] void throw_row_error(std::string_view struct_name, std::string_view column,
                                  const SqlValue* value, const char* what);

}  // namespace detail

template <detail::HasFields T>
T SqlRow::as() const {
  T out{};
  const std::string_view struct_name = detail::field_list<T>().struct_name;
  detail::for_each_field<T>([&](const auto& field) {
    const SqlValue* value = find(field.name);
    if (value == nullptr) detail::throw_row_error(struct_name, field.name, nullptr, nullptr);
    using Member = typename std::decay_t<decltype(field)>::Type;
    try {
      detail::SqlCell<Member>::read(*value, out.*field.pointer);
    } catch (const UsageError& error) {
      detail::throw_row_error(struct_name, field.name, value, error.what());
    }
  });
  return out;
}

}  // namespace miti
