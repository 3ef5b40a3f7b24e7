// miti::Json: the JSON value used across miti's API (Bot API parameters, log
// fields, KV records). A small, owned type instead of a general-purpose
// library: the Worker's wasm must stay small, and the framework only needs
// parse, build, read and dump.
//
//   Json params = {{"chat_id", 42}, {"text", "hi"}};   // an object
//   Json list = Json::array({1, 2, 3});
//   params["reply_markup"] = keyboard;
//   std::string text = params.dump();
//   Json parsed = Json::parse(text);                   // throws JsonError
//   if (const Json* id = parsed.find("chat_id")) ...
//
// Like nlohmann::json, a braced list whose every element is a two-element
// list starting with a string becomes an object; any other braced list is an
// array. Objects keep their members in insertion order. Numbers are integers
// (int64) or reals (double); an integer literal that does not fit int64 is
// read as a real. Strings are UTF-8; dump() replaces invalid UTF-8 by U+FFFD
// so its output is always valid JSON.
//
// Structs declared with MITI_FIELDS (miti/fields.hpp) convert both ways:
// Json(note) and json.get<Note>().
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "miti/error.hpp"

namespace miti {

// Malformed JSON text, or a value read as a type it does not have.
class JsonError : public Error {
 public:
  using Error::Error;
};

class Json;

namespace detail {
// Specialised for each type Json converts from (to_json) and to (from_json).
template <typename T>
struct JsonConvert;
// Types Json can be built from (Json(value)).
template <typename T>
concept JsonWritable = requires(const T& value) {
  JsonConvert<T>::to_json(value);
};
}  // namespace detail

class Json {
 public:
  enum class Type : std::uint8_t { kNull, kBool, kInteger, kReal, kString, kArray, kObject };
  struct Member;
  using Array = std::vector<Json>;
  using Object = std::vector<Member>;

  Json() noexcept = default;
  Json(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  Json(bool value) noexcept : type_(Type::kBool) { value_.boolean = value; }  // NOLINT
  template <std::integral I>
  requires(!std::same_as<I, bool> && !std::same_as<I, char>) Json(I value)  // NOLINT
  noexcept {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (value > static_cast<std::uint64_t>(INT64_MAX)) {
        type_ = Type::kReal;
        value_.real = static_cast<double>(value);
        return;
      }
    }
    type_ = Type::kInteger;
    value_.integer = static_cast<std::int64_t>(value);
  }
  Json(double value) noexcept : type_(Type::kReal) { value_.real = value; }  // NOLINT
  Json(const char* value) : Json(std::string(value)) {}                      // NOLINT
  Json(std::string_view value) : Json(std::string(value)) {}                 // NOLINT
  Json(std::string value) : type_(Type::kString) {                           // NOLINT
    new (&value_.string) std::string(std::move(value));
  }
  Json(Array value) : type_(Type::kArray) {  // NOLINT
    new (&value_.array) Array(std::move(value));
  }
  Json(Object value);                      // NOLINT(google-explicit-constructor)
  Json(std::initializer_list<Json> list);  // NOLINT
  // Anything with a detail::JsonConvert: optionals, vectors, MITI_FIELDS structs.
  template <typename T>
  requires detail::JsonWritable<T> Json(const T& value)  // NOLINT
      : Json(detail::JsonConvert<T>::to_json(value)) {}

  Json(const Json& other);
  Json(Json&& other) noexcept;
  Json& operator=(const Json& other);
  Json& operator=(Json&& other) noexcept;
  ~Json() { reset(); }

  static Json array(std::initializer_list<Json> items = {});
  static Json object();

  // Throws JsonError (with the byte offset) on malformed text, trailing
  // garbage, or nesting deeper than kMaxDepth.
  static Json parse(std::string_view text);
  // std::nullopt instead of an exception.
  static std::optional<Json> try_parse(std::string_view text);
  static constexpr int kMaxDepth = 128;

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::kNull; }
  bool is_bool() const noexcept { return type_ == Type::kBool; }
  bool is_integer() const noexcept { return type_ == Type::kInteger; }
  bool is_real() const noexcept { return type_ == Type::kReal; }
  bool is_number() const noexcept { return is_integer() || is_real(); }
  bool is_string() const noexcept { return type_ == Type::kString; }
  bool is_array() const noexcept { return type_ == Type::kArray; }
  bool is_object() const noexcept { return type_ == Type::kObject; }

  // Typed access; another type throws JsonError naming both types. as_integer
  // accepts a real with an integral value; as_number any number.
  bool as_bool() const;
  std::int64_t as_integer() const;
  double as_number() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Conversion to T through detail::JsonConvert (bool, integers, double,
  // std::string, Json, std::optional, std::vector, MITI_FIELDS structs).
  template <typename T>
  T get() const {
    T out{};
    detail::JsonConvert<T>::from_json(*this, out);
    return out;
  }

  // The member `key` read as T, or `fallback` when it is missing or of
  // another type.
  template <typename T>
  T value(std::string_view key, T fallback) const {
    const Json* member = find(key);
    if (member == nullptr) return fallback;
    try {
      return member->get<T>();
    } catch (const JsonError&) {
      return fallback;
    }
  }
  std::string value(std::string_view key, const char* fallback) const {
    return value<std::string>(key, std::string(fallback));
  }

  // Objects. find() gives nullptr when the key is missing or this is not an
  // object; at() throws JsonError; const operator[] gives null.
  const Json* find(std::string_view key) const noexcept;
  Json* find(std::string_view key) noexcept;
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  const Json& at(std::string_view key) const;
  Json& at(std::string_view key);
  // Inserts null when missing; a null value becomes an empty object first.
  Json& operator[](std::string_view key);
  Json& operator[](const char* key) { return (*this)[std::string_view(key)]; }
  const Json& operator[](std::string_view key) const noexcept;
  const Json& operator[](const char* key) const noexcept { return (*this)[std::string_view(key)]; }
  // Removes the member; false when there was none.
  bool erase(std::string_view key) noexcept;
  // The members, for `for (const auto& [key, value] : json.items())`; empty
  // for non-objects.
  const Object& items() const noexcept;

  // Arrays. push_back turns null into an empty array first.
  const Json& at(std::size_t index) const;
  Json& at(std::size_t index);
  Json& operator[](std::size_t index) { return at(index); }
  const Json& operator[](std::size_t index) const { return at(index); }
  Json& operator[](int index) { return at(static_cast<std::size_t>(index)); }
  const Json& operator[](int index) const { return at(static_cast<std::size_t>(index)); }
  void push_back(Json value);
  const Json* begin() const noexcept;
  const Json* end() const noexcept;

  // Elements of an array, members of an object, 0 otherwise.
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }

  // JSON text, always valid UTF-8: compact, or with `indent` spaces per level.
  std::string dump(int indent = -1) const;
  void dump_to(std::string& out, int indent = -1, int level = 0) const;
  // Appends `text` as a JSON string literal (quoted, escaped, invalid UTF-8
  // replaced by U+FFFD), without building a Json.
  static void dump_string_to(std::string& out, std::string_view text);

  friend bool operator==(const Json& a, const Json& b) noexcept;

 private:
  union Storage {
    Storage() noexcept : integer(0) {}
    ~Storage() {}  // NOLINT: the active member is destroyed by Json::reset
    bool boolean;
    std::int64_t integer;
    double real;
    std::string string;
    Array array;
    Object object;
  };
  void reset() noexcept;
  [[noreturn]] void type_error(const char* wanted) const;

  Type type_ = Type::kNull;
  Storage value_;
};

struct Json::Member {
  std::string key;
  Json value;
};

// The name of a type, for error messages ("an integer", "a string", ...).
const char* describe(Json::Type type) noexcept;

namespace detail {

template <>
struct JsonConvert<Json> {
  static void from_json(const Json& json, Json& out) { out = json; }
};
template <>
struct JsonConvert<bool> {
  static void from_json(const Json& json, bool& out) { out = json.as_bool(); }
};
template <std::integral I>
requires(!std::same_as<I, bool>) struct JsonConvert<I> {
  static void from_json(const Json& json, I& out) {
    std::int64_t value = json.as_integer();
    if (!std::in_range<I>(value))
      throw JsonError("integer " + std::to_string(value) + " is out of range");
    out = static_cast<I>(value);
  }
};
template <>
struct JsonConvert<double> {
  static void from_json(const Json& json, double& out) { out = json.as_number(); }
};
template <>
struct JsonConvert<std::string> {
  static void from_json(const Json& json, std::string& out) { out = json.as_string(); }
};
template <typename T>
struct JsonConvert<std::optional<T>> {
  static Json to_json(const std::optional<T>& value) { return value ? Json(*value) : Json(); }
  static void from_json(const Json& json, std::optional<T>& out) {
    if (json.is_null()) {
      out.reset();
    } else {
      out = json.get<T>();
    }
  }
};
template <typename T>
requires(!std::same_as<T, Json>) struct JsonConvert<std::vector<T>> {
  static Json to_json(const std::vector<T>& values) {
    Json::Array array;
    array.reserve(values.size());
    for (const T& value : values) array.emplace_back(value);
    return Json(std::move(array));
  }
  static void from_json(const Json& json, std::vector<T>& out) {
    out.clear();
    out.reserve(json.as_array().size());
    for (const Json& item : json.as_array()) out.push_back(item.get<T>());
  }
};

}  // namespace detail

}  // namespace miti
