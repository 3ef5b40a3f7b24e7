// SqlStore: a module's view of Cloudflare D1 (SQLite).
//
// Table names are written literally in SQL ("notes_notes"); by convention they
// start with table_prefix() = "<module>_", and nothing is ever rewritten.
// D1 carries numbers as JS doubles, so integers beyond +-(2^53 - 1) are refused
// instead of being rounded silently.
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
  bool has(std::string_view column) const;
  // Throws UsageError naming the column when the row has no such column.
  const SqlValue& operator[](std::string_view column) const;
  const SqlValue& at(std::size_t index) const { return values_.at(index); }

  std::int64_t integer(std::string_view column) const { return (*this)[column].as_integer(); }
  double real(std::string_view column) const { return (*this)[column].as_real(); }
  const std::string& text(std::string_view column) const { return (*this)[column].as_text(); }
  const Blob& blob(std::string_view column) const { return (*this)[column].as_blob(); }
  bool is_null(std::string_view column) const { return (*this)[column].is_null(); }

  Json to_json() const;  // {"column": value, ...}

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<SqlValue> values_;
};

struct SqlStatement {
  std::string query;
  std::vector<SqlValue> binds;
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

  template <typename... Binds>
  static SqlStatement prepare(std::string_view query, Binds&&... binds) {
    return SqlStatement{std::string(query), {SqlValue(std::forward<Binds>(binds))...}};
  }

  Task<SqlRunResult> run(SqlStatement statement);
  Task<std::vector<SqlRow>> all(SqlStatement statement);
  Task<std::optional<SqlRow>> first(SqlStatement statement);
  // One round trip; atomic: if any statement fails, none of them applies.
  Task<std::vector<SqlBatchResult>> batch(std::vector<SqlStatement> statements);

  template <typename... Binds>
  Task<SqlRunResult> run(std::string_view query, Binds&&... binds) {
    return run(prepare(query, std::forward<Binds>(binds)...));
  }
  template <typename... Binds>
  Task<std::vector<SqlRow>> all(std::string_view query, Binds&&... binds) {
    return all(prepare(query, std::forward<Binds>(binds)...));
  }
  template <typename... Binds>
  Task<std::optional<SqlRow>> first(std::string_view query, Binds&&... binds) {
    return first(prepare(query, std::forward<Binds>(binds)...));
  }

  // "<module>_": the prefix this module's tables are named with.
  std::string table_prefix() const { return module_name_ + "_"; }

 private:
  runtime::RequestScope* scope_;
  std::string module_name_;
};

}  // namespace miti
