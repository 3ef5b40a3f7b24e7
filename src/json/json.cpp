#include "miti/json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "json/number_text.hpp"
#include "miti/text.hpp"

namespace miti {

const char* describe(Json::Type type) noexcept {
  switch (type) {
    case Json::Type::kNull:
      return "null";
    case Json::Type::kBool:
      return "a boolean";
    case Json::Type::kInteger:
      return "an integer";
    case Json::Type::kReal:
      return "a real number";
    case Json::Type::kString:
      return "a string";
    case Json::Type::kArray:
      return "an array";
    case Json::Type::kObject:
      return "an object";
  }
  return "?";
}

// ---------------------------------------------------------------- lifetime

Json::Json(std::initializer_list<Json> list) {
  bool pairs =
      list.size() > 0 && std::all_of(list.begin(), list.end(), [](const Json& item) {
        return item.is_array() && item.value_.array.size() == 2 && item.value_.array[0].is_string();
      });
  if (pairs) {
    type_ = Type::kObject;
    new (&value_.object) Object();
    value_.object.reserve(list.size());
    for (const Json& item : list) {
      value_.object.push_back(Member{item.value_.array[0].value_.string, item.value_.array[1]});
    }
  } else {
    type_ = Type::kArray;
    new (&value_.array) Array(list);
  }
}

Json::Json(Object value) : type_(Type::kObject) {
  new (&value_.object) Object(std::move(value));
}

Json Json::object() {
  return Json(Object());
}

Json Json::array(std::initializer_list<Json> items) {
  return Json(Array(items));
}

Json::Json(const Json& other) : type_(other.type_) {
  switch (type_) {
    case Type::kString:
      new (&value_.string) std::string(other.value_.string);
      break;
    case Type::kArray:
      new (&value_.array) Array(other.value_.array);
      break;
    case Type::kObject:
      new (&value_.object) Object(other.value_.object);
      break;
    default:
      value_.integer = other.value_.integer;  // the widest scalar: copies any of them
      break;
  }
}

Json::Json(Json&& other) noexcept : type_(other.type_) {
  switch (type_) {
    case Type::kString:
      new (&value_.string) std::string(std::move(other.value_.string));
      break;
    case Type::kArray:
      new (&value_.array) Array(std::move(other.value_.array));
      break;
    case Type::kObject:
      new (&value_.object) Object(std::move(other.value_.object));
      break;
    default:
      value_.integer = other.value_.integer;
      break;
  }
  other.reset();
}

Json& Json::operator=(const Json& other) {
  if (this != &other) *this = Json(other);
  return *this;
}

Json& Json::operator=(Json&& other) noexcept {
  if (this != &other) {
    reset();
    new (this) Json(std::move(other));
  }
  return *this;
}

void Json::reset() noexcept {
  switch (type_) {
    case Type::kString:
      value_.string.~basic_string();
      break;
    case Type::kArray:
      value_.array.~vector();
      break;
    case Type::kObject:
      value_.object.~vector();
      break;
    default:
      break;
  }
  type_ = Type::kNull;
  value_.integer = 0;
}

// ---------------------------------------------------------------- access

void Json::type_error(const char* wanted) const {
  throw JsonError(std::string("expected ") + wanted + ", got " + describe(type_));
}

bool Json::as_bool() const {
  if (!is_bool()) type_error("a boolean");
  return value_.boolean;
}

std::int64_t Json::as_integer() const {
  if (is_integer()) return value_.integer;
  if (is_real()) {
    double real = value_.real;
    // Within +-2^63 and integral: JS numbers such as 3.0 are integers too.
    if (real == static_cast<double>(static_cast<std::int64_t>(real)) && real >= -9.2e18 &&
        real <= 9.2e18) {
      return static_cast<std::int64_t>(real);
    }
  }
  type_error("an integer");
}

double Json::as_number() const {
  if (is_real()) return value_.real;
  if (is_integer()) return static_cast<double>(value_.integer);
  type_error("a number");
}

const std::string& Json::as_string() const {
  if (!is_string()) type_error("a string");
  return value_.string;
}

const Json::Array& Json::as_array() const {
  if (!is_array()) type_error("an array");
  return value_.array;
}
Json::Array& Json::as_array() {
  if (!is_array()) type_error("an array");
  return value_.array;
}
const Json::Object& Json::as_object() const {
  if (!is_object()) type_error("an object");
  return value_.object;
}
Json::Object& Json::as_object() {
  if (!is_object()) type_error("an object");
  return value_.object;
}

const Json* Json::find(std::string_view key) const noexcept {
  if (!is_object()) return nullptr;
  for (const Member& member : value_.object) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

Json* Json::find(std::string_view key) noexcept {
  return const_cast<Json*>(std::as_const(*this).find(key));
}

const Json& Json::at(std::string_view key) const {
  if (const Json* value = find(key)) return *value;
  if (!is_object()) type_error("an object");
  throw JsonError("no member '" + std::string(key) + "'");
}

Json& Json::at(std::string_view key) {
  return const_cast<Json&>(std::as_const(*this).at(key));
}

Json& Json::operator[](std::string_view key) {
  if (is_null()) *this = object();
  if (Json* value = find(key)) return *value;
  Object& members = as_object();
  members.push_back(Member{std::string(key), Json()});
  return members.back().value;
}

const Json& Json::operator[](std::string_view key) const noexcept {
  static const Json kNull;
  const Json* value = find(key);
  return value != nullptr ? *value : kNull;
}

bool Json::erase(std::string_view key) noexcept {
  if (!is_object()) return false;
  auto it = std::find_if(value_.object.begin(), value_.object.end(),
                         [&](const Member& member) { return member.key == key; });
  if (it == value_.object.end()) return false;
  value_.object.erase(it);
  return true;
}

const Json::Object& Json::items() const noexcept {
  static const Object kNone;
  return is_object() ? value_.object : kNone;
}

const Json& Json::at(std::size_t index) const {
  const Array& items = as_array();
  if (index >= items.size()) {
    throw JsonError("index " + std::to_string(index) + " is out of range (size " +
                    std::to_string(items.size()) + ")");
  }
  return items[index];
}

Json& Json::at(std::size_t index) {
  return const_cast<Json&>(std::as_const(*this).at(index));
}

void Json::push_back(Json value) {
  if (is_null()) *this = Json(Array());
  as_array().push_back(std::move(value));
}

const Json* Json::begin() const noexcept {
  return is_array() ? value_.array.data() : nullptr;
}
const Json* Json::end() const noexcept {
  return is_array() ? value_.array.data() + value_.array.size() : nullptr;
}

std::size_t Json::size() const noexcept {
  if (is_array()) return value_.array.size();
  if (is_object()) return value_.object.size();
  return 0;
}

bool operator==(const Json& a, const Json& b) noexcept {
  if (a.is_number() && b.is_number()) {
    if (a.is_integer() && b.is_integer()) return a.value_.integer == b.value_.integer;
    // Both are numbers: read them directly (as_number throws only for a non-number).
    const double x = a.is_real() ? a.value_.real : static_cast<double>(a.value_.integer);
    const double y = b.is_real() ? b.value_.real : static_cast<double>(b.value_.integer);
    return x == y;
  }
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::kNull:
      return true;
    case Json::Type::kBool:
      return a.value_.boolean == b.value_.boolean;
    case Json::Type::kString:
      return a.value_.string == b.value_.string;
    case Json::Type::kArray:
      return a.value_.array == b.value_.array;
    case Json::Type::kObject: {
      // Member order does not matter for equality.
      if (a.value_.object.size() != b.value_.object.size()) return false;
      for (const Json::Member& member : a.value_.object) {
        const Json* other = b.find(member.key);
        if (other == nullptr || !(*other == member.value)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// ---------------------------------------------------------------- dump

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

void append_escaped(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    // Copy the longest run that needs no attention in one go.
    std::size_t run = i;
    while (run < n) {
      auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i >= n) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: copied when well formed, else one U+FFFD per bad byte.
    std::size_t length = utf8_sequence_length(text.substr(i));
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.data() + i, length);
      i += length;
    }
  }
  out += '"';
}

void append_integer(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

}  // namespace

void Json::dump_string_to(std::string& out, std::string_view text) {
  append_escaped(out, text);
}

void Json::dump_to(std::string& out, int indent, int level) const {
  auto newline = [&](int depth) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
  };
  switch (type_) {
    case Type::kNull:
      out += "null";
      break;
    case Type::kBool:
      out += value_.boolean ? "true" : "false";
      break;
    case Type::kInteger:
      append_integer(out, value_.integer);
      break;
    case Type::kReal:
      detail::append_double(out, value_.real);
      break;
    case Type::kString:
      append_escaped(out, value_.string);
      break;
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const Json& item : value_.array) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        item.dump_to(out, indent, level + 1);
      }
      if (!first) newline(level);
      out += ']';
      break;
    }
    case Type::kObject: {
      out += '{';
      bool first = true;
      for (const Member& member : value_.object) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        append_escaped(out, member.key);
        out += indent < 0 ? ":" : ": ";
        member.value.dump_to(out, indent, level + 1);
      }
      if (!first) newline(level);
      out += '}';
      break;
    }
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent);
  return out;
}

// ---------------------------------------------------------------- parse

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // False (and error_ set) on malformed text.
  bool parse_document(Json& out) {
    skip_space();
    if (!parse_value(out, 0)) return false;
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the value");
    return true;
  }

  std::string error() const { return error_ + " at byte " + std::to_string(error_at_); }

 private:
  bool fail(const char* message) {
    if (error_.empty()) {
      error_ = message;
      error_at_ = pos_;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool parse_value(Json& out, int depth) {
    if (pos_ >= text_.size()) return fail("unexpected end of text");
    switch (text_[pos_]) {
      case '{':
        return parse_object(out, depth);
      case '[':
        return parse_array(out, depth);
      case '"': {
        std::string text;
        if (!parse_string(text)) return false;
        out = Json(std::move(text));
        return true;
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return parse_number(out);
    }
  }

  static bool has_repeated_names(const Json::Object& members) {
    const std::size_t count = members.size();
    if (count <= 16) {
      for (std::size_t i = 1; i < count; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (members[i].key == members[j].key) return true;
        }
      }
      return false;
    }
    // Large objects: an open-addressed table of member indexes by a hash of
    // the name, so a body of many members stays linear.
    std::size_t capacity = 64;
    while (capacity < 2 * count) capacity *= 2;
    std::vector<std::uint32_t> slots(capacity, 0);  // index + 1; 0 is empty
    for (std::size_t i = 0; i < count; ++i) {
      const std::string& name = members[i].key;
      std::uint32_t hash = 2166136261u;  // FNV-1a
      for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
      for (std::size_t at = hash & (capacity - 1);; at = (at + 1) & (capacity - 1)) {
        if (slots[at] == 0) {
          slots[at] = static_cast<std::uint32_t>(i + 1);
          break;
        }
        if (members[slots[at] - 1].key == name) return true;
      }
    }
    return false;
  }

  bool parse_object(Json& out, int depth) {
    if (depth >= Json::kMaxDepth) return fail("nesting too deep");
    ++pos_;  // '{'
    Json::Object members;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out = Json(std::move(members));
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a member name");
      Json::Member member;
      if (!parse_string(member.key)) return false;
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_space();
      if (!parse_value(member.value, depth + 1)) return false;
      members.push_back(std::move(member));
      skip_space();
      if (pos_ >= text_.size()) return fail("unexpected end of text");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        // Readers disagree on repeated names (JavaScript keeps the last, a
        // lookup here would find the first): such text is refused.
        if (has_repeated_names(members)) return fail("a member name is repeated");
        out = Json(std::move(members));
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parse_array(Json& out, int depth) {
    if (depth >= Json::kMaxDepth) return fail("nesting too deep");
    ++pos_;  // '['
    Json::Array items;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      out = Json(std::move(items));
      return true;
    }
    for (;;) {
      skip_space();
      items.emplace_back();
      if (!parse_value(items.back(), depth + 1)) return false;
      skip_space();
      if (pos_ >= text_.size()) return fail("unexpected end of text");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        out = Json(std::move(items));
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return fail("invalid \\u escape");
      }
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Strings must be valid UTF-8 (RFC 8259), so text inside miti always is.
  bool parse_string(std::string& out) {
    ++pos_;  // '"'
    for (;;) {
      std::size_t run = pos_;
      while (run < text_.size()) {
        auto c = static_cast<unsigned char>(text_[run]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c >= 0x80) {
          std::size_t length = utf8_sequence_length(text_.substr(run));
          if (length == 0) {
            pos_ = run;
            return fail("invalid UTF-8 in string");
          }
          run += length;
          continue;
        }
        ++run;
      }
      out.append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= text_.size()) return fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        --pos_;
        return fail("control character in string");
      }
      if (pos_ >= text_.size()) return fail("unterminated string");
      switch (text_[pos_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate pairs with a following \uDC00-\uDFFF.
            std::uint32_t low = 0;
            if (text_.substr(pos_, 2) == "\\u") {
              std::size_t saved = pos_;
              pos_ += 2;
              if (!hex4(low)) return false;
              if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              } else {
                pos_ = saved;  // not a pair: the next escape stands alone
                cp = 0xFFFD;
              }
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // a lone low surrogate
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return fail("invalid escape");
      }
    }
  }

  bool digits() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool parse_number(Json& out) {
    const std::size_t start = pos_;
    bool negative = false;
    if (text_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (pos_ >= text_.size()) return fail("invalid number");
    if (text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      pos_ = start;
      return fail("invalid value");
    }
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digits()) return fail("invalid number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return fail("invalid number");
    }
    std::string_view number = text_.substr(start, pos_ - start);
    if (integral) {
      std::uint64_t magnitude = 0;
      bool fits = true;
      for (char c : number.substr(negative ? 1 : 0)) {
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (UINT64_MAX - digit) / 10) {
          fits = false;
          break;
        }
        magnitude = magnitude * 10 + digit;
      }
      constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
      if (fits && (magnitude <= kMax || (negative && magnitude == kMax + 1))) {
        out = negative ? static_cast<std::int64_t>(0 - magnitude)
                       : static_cast<std::int64_t>(magnitude);
        return true;
      }
    }
    out = detail::parse_double(number);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_at_ = 0;
};

}  // namespace

Json Json::parse(std::string_view text) {
  Json out;
  Parser parser(text);
  if (!parser.parse_document(out)) throw JsonError("invalid JSON: " + parser.error());
  return out;
}

std::optional<Json> Json::try_parse(std::string_view text) {
  Json out;
  Parser parser(text);
  if (!parser.parse_document(out)) return std::nullopt;
  return out;
}

}  // namespace miti
