// One declaration maps a struct to JSON and to D1 rows:
//
//   struct Note {
//     std::int64_t id = 0;
//     std::string text;
//     std::optional<std::int64_t> due_at;   // a nullable column / optional key
//   };
//   MITI_FIELDS(Note, id, text, due_at)
//
//   std::optional<Note> note = co_await ctx.sql().first<Note>("SELECT id, text, due_at ...");
//   std::vector<Note> notes = co_await ctx.sql().all<Note>("SELECT ...");
//   co_await ctx.db().put_json("note", note);          // {"id":1,"text":"...","due_at":null}
//   std::optional<Note> back = co_await ctx.db().get_json<Note>("note");
//
// Write MITI_FIELDS at namespace scope, in the struct's own namespace (an
// anonymous namespace is fine); it lists up to 32 members by name. Field types:
// bool, integers, double, std::string, miti::Blob (rows), miti::Json (JSON),
// std::optional of those, std::vector (JSON), and other MITI_FIELDS structs
// (JSON). Reading a row, every field needs its column (extra columns are
// ignored) and a NULL needs a std::optional field; reading JSON, a missing key
// keeps the field's default. Errors name the struct, the field and the types.
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "miti/json.hpp"

namespace miti {

// One member of a MITI_FIELDS struct: its name and where it lives.
template <typename Struct, typename Member>
struct Field {
  using Type = Member;
  constexpr Field(std::string_view field_name, Member Struct::*member)
      : name(field_name), pointer(member) {}
  std::string_view name;
  Member Struct::*pointer;
};

template <typename... Fields>
struct FieldList {
  std::string_view struct_name;
  std::tuple<Fields...> fields;
};

namespace detail {

template <typename... Fields>
constexpr FieldList<Fields...> make_field_list(std::string_view struct_name, Fields... fields) {
  return FieldList<Fields...>{struct_name, std::tuple<Fields...>(fields...)};
}

template <typename T>
concept HasFields = requires {
  miti_fields(static_cast<const T*>(nullptr));
};

template <typename T>
constexpr auto field_list() {
  return miti_fields(static_cast<const T*>(nullptr));
}

// Calls f(field) for each field of T, in declaration order.
template <typename T, typename F>
void for_each_field(F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, field_list<T>().fields);
}

template <HasFields T>
struct JsonConvert<T> {
  static Json to_json(const T& value) {
    Json::Object object;
    object.reserve(std::tuple_size_v<decltype(field_list<T>().fields)>);
    for_each_field<T>([&](const auto& field) {
      object.push_back(Json::Member{std::string(field.name), Json(value.*field.pointer)});
    });
    return Json(std::move(object));
  }
  static void from_json(const Json& json, T& out) {
    if (!json.is_object()) {
      throw JsonError("reading " + std::string(field_list<T>().struct_name) +
                      ": expected an object, got " + describe(json.type()));
    }
    for_each_field<T>([&](const auto& field) {
      const Json* value = json.find(field.name);
      if (value == nullptr) return;
      using Member = typename std::decay_t<decltype(field)>::Type;
      try {
        JsonConvert<Member>::from_json(*value, out.*field.pointer);
      } catch (const JsonError& error) {
        throw JsonError("reading " + std::string(field_list<T>().struct_name) + ", field '" +
                        std::string(field.name) + "': " + error.what());
      }
    });
  }
};

}  // namespace detail
}  // namespace miti

// Preprocessor plumbing: MITI_DETAIL_FOR_EACH(m, t, a, b, c) -> m(t, a), m(t, b), m(t, c).
#define MITI_DETAIL_FE_1(m, t, x) m(t, x)
#define MITI_DETAIL_FE_2(m, t, x, ...) m(t, x), MITI_DETAIL_FE_1(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_3(m, t, x, ...) m(t, x), MITI_DETAIL_FE_2(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_4(m, t, x, ...) m(t, x), MITI_DETAIL_FE_3(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_5(m, t, x, ...) m(t, x), MITI_DETAIL_FE_4(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_6(m, t, x, ...) m(t, x), MITI_DETAIL_FE_5(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_7(m, t, x, ...) m(t, x), MITI_DETAIL_FE_6(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_8(m, t, x, ...) m(t, x), MITI_DETAIL_FE_7(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_9(m, t, x, ...) m(t, x), MITI_DETAIL_FE_8(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_10(m, t, x, ...) m(t, x), MITI_DETAIL_FE_9(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_11(m, t, x, ...) m(t, x), MITI_DETAIL_FE_10(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_12(m, t, x, ...) m(t, x), MITI_DETAIL_FE_11(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_13(m, t, x, ...) m(t, x), MITI_DETAIL_FE_12(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_14(m, t, x, ...) m(t, x), MITI_DETAIL_FE_13(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_15(m, t, x, ...) m(t, x), MITI_DETAIL_FE_14(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_16(m, t, x, ...) m(t, x), MITI_DETAIL_FE_15(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_17(m, t, x, ...) m(t, x), MITI_DETAIL_FE_16(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_18(m, t, x, ...) m(t, x), MITI_DETAIL_FE_17(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_19(m, t, x, ...) m(t, x), MITI_DETAIL_FE_18(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_20(m, t, x, ...) m(t, x), MITI_DETAIL_FE_19(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_21(m, t, x, ...) m(t, x), MITI_DETAIL_FE_20(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_22(m, t, x, ...) m(t, x), MITI_DETAIL_FE_21(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_23(m, t, x, ...) m(t, x), MITI_DETAIL_FE_22(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_24(m, t, x, ...) m(t, x), MITI_DETAIL_FE_23(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_25(m, t, x, ...) m(t, x), MITI_DETAIL_FE_24(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_26(m, t, x, ...) m(t, x), MITI_DETAIL_FE_25(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_27(m, t, x, ...) m(t, x), MITI_DETAIL_FE_26(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_28(m, t, x, ...) m(t, x), MITI_DETAIL_FE_27(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_29(m, t, x, ...) m(t, x), MITI_DETAIL_FE_28(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_30(m, t, x, ...) m(t, x), MITI_DETAIL_FE_29(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_31(m, t, x, ...) m(t, x), MITI_DETAIL_FE_30(m, t, __VA_ARGS__)
#define MITI_DETAIL_FE_32(m, t, x, ...) m(t, x), MITI_DETAIL_FE_31(m, t, __VA_ARGS__)
#define MITI_DETAIL_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, \
                         _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30,  \
                         _31, _32, NAME, ...)                                                   \
  NAME
#define MITI_DETAIL_FOR_EACH(m, t, ...)                                                        \
  MITI_DETAIL_PICK(__VA_ARGS__, MITI_DETAIL_FE_32, MITI_DETAIL_FE_31, MITI_DETAIL_FE_30,       \
                   MITI_DETAIL_FE_29, MITI_DETAIL_FE_28, MITI_DETAIL_FE_27, MITI_DETAIL_FE_26, \
                   MITI_DETAIL_FE_25, MITI_DETAIL_FE_24, MITI_DETAIL_FE_23, MITI_DETAIL_FE_22, \
                   MITI_DETAIL_FE_21, MITI_DETAIL_FE_20, MITI_DETAIL_FE_19, MITI_DETAIL_FE_18, \
                   MITI_DETAIL_FE_17, MITI_DETAIL_FE_16, MITI_DETAIL_FE_15, MITI_DETAIL_FE_14, \
                   MITI_DETAIL_FE_13, MITI_DETAIL_FE_12, MITI_DETAIL_FE_11, MITI_DETAIL_FE_10, \
                   MITI_DETAIL_FE_9, MITI_DETAIL_FE_8, MITI_DETAIL_FE_7, MITI_DETAIL_FE_6,     \
                   MITI_DETAIL_FE_5, MITI_DETAIL_FE_4, MITI_DETAIL_FE_3, MITI_DETAIL_FE_2,     \
                   MITI_DETAIL_FE_1)                                                           \
  (m, t, __VA_ARGS__)

#define MITI_DETAIL_FIELD(Type, member) \
  ::miti::Field<Type, decltype(Type::member)>(#member, &Type::member)

// Declares the fields of `Type` (see the top of this file).
#define MITI_FIELDS(Type, ...)                                              \
  [[maybe_unused]] inline auto miti_fields(const Type*) {                   \
    return ::miti::detail::make_field_list(                                 \
        #Type, MITI_DETAIL_FOR_EACH(MITI_DETAIL_FIELD, Type, __VA_ARGS__)); \
  }
