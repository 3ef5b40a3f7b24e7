#include "lib/wrangler_toml.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace miti::tools {

namespace {

// Walks the whole file so that a '[' inside a string or a multi-line array is never mistaken
// for a table header, recording the two values we care about on the way.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  WranglerCrons run() {
    while (true) {
      skip_blank_lines();
      if (at_end()) break;
      if (peek() == '[') {
        header();
      } else {
        key_value();
      }
    }
    return result_;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    auto line = 1 + std::count(s_.begin(), s_.begin() + static_cast<std::ptrdiff_t>(i_), '\n');
    throw TomlError("wrangler.toml:" + std::to_string(line) + ": " + what);
  }

  bool at_end() const { return i_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool looking_at(std::string_view token) const { return s_.substr(i_).starts_with(token); }

  void skip_spaces() {
    while (peek() == ' ' || peek() == '\t') ++i_;
  }
  void skip_comment() {
    if (peek() != '#') return;
    while (!at_end() && peek() != '\n') ++i_;
  }
  // Spaces, comments and newlines: between lines, and between the items of an array.
  void skip_blank_lines() {
    while (true) {
      skip_spaces();
      skip_comment();
      if (peek() == '\r' && peek(1) == '\n') ++i_;
      if (peek() != '\n') return;
      ++i_;
    }
  }
  // After a header or a key/value: nothing but a comment before the newline.
  void end_of_line() {
    skip_spaces();
    skip_comment();
    if (peek() == '\r') ++i_;
    if (at_end()) return;
    if (peek() != '\n') fail("unexpected text after the value");
    ++i_;
  }

  // A dotted key, quoted parts unquoted, joined with '.'.
  std::string key() {
    std::string path;
    while (true) {
      skip_spaces();
      std::string part;
      if (peek() == '"' || peek() == '\'') {
        part = string_value();
      } else {
        while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '-')
          part += s_[i_++];
        if (part.empty()) fail("expected a key");
      }
      path += path.empty() ? part : "." + part;
      skip_spaces();
      if (peek() != '.') return path;
      ++i_;
    }
  }

  void header() {
    bool array_table = looking_at("[[");
    i_ += array_table ? 2 : 1;
    table_ = key();
    if (!looking_at(array_table ? "]]" : "]")) fail("unterminated table header");
    i_ += array_table ? 2 : 1;
    end_of_line();
    if (!array_table && table_ == "triggers") result_.triggers_body = i_;
    if (!array_table && table_ == "vars") result_.vars_last_line_end = i_;
    if (array_table) table_ = "[[" + table_ + "]]";  // never matches a table we read
  }

  void key_value() {
    std::size_t line_begin = i_;
    while (line_begin > 0 && s_[line_begin - 1] != '\n') --line_begin;
    std::string name = key();
    if (peek() != '=') fail("expected '=' after " + name);
    ++i_;
    skip_spaces();
    std::string full = table_.empty() ? name : table_ + "." + name;
    std::optional<TomlKeyValue>* recorded = nullptr;
    if (full == "vars.MODULES") {
      if (peek() != '"' && peek() != '\'') fail("[vars] MODULES must be a string");
      result_.modules = string_value();
    } else if (full == "triggers.crons") {
      result_.crons = string_array();
    } else if (full == "triggers" || full == "vars") {
      fail("write " + full + " as a [" + full + "] section; miti's tools read it only there");
    } else if (full == "vars.MITI_CRON_DISPATCH" || full == "vars.MITI_CRON_BUDGET") {
      recorded = full == "vars.MITI_CRON_DISPATCH" ? &result_.cron_dispatch : &result_.cron_budget;
      TomlKeyValue kv;
      kv.line_begin = line_begin;
      kv.value_begin = i_;
      kv.is_string = peek() == '"' || peek() == '\'';
      if (kv.is_string) {
        kv.value = string_value();
      } else {
        skip_value();
        kv.value = std::string(s_.substr(kv.value_begin, i_ - kv.value_begin));
      }
      kv.value_end = i_;
      *recorded = kv;
    } else {
      skip_value();
    }
    end_of_line();
    if (recorded != nullptr) (*recorded)->line_end = i_;
    if (table_ == "vars") result_.vars_last_line_end = i_;
  }

  TomlStringArray string_array() {
    TomlStringArray array;
    array.begin = i_;
    if (peek() != '[') fail("[triggers] crons must be a list of strings");
    ++i_;
    while (true) {
      skip_blank_lines();
      if (peek() == ']') break;
      if (peek() != '"' && peek() != '\'') fail("[triggers] crons must be a list of strings");
      array.items.push_back(string_value());
      skip_blank_lines();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ']') {
        fail("expected ',' or ']' in [triggers] crons");
      }
    }
    ++i_;
    array.end = i_;
    return array;
  }

  void skip_value() {
    char c = peek();
    if (c == '"' || c == '\'') {
      string_value();
    } else if (c == '[') {
      ++i_;
      while (true) {
        skip_blank_lines();
        if (peek() == ']') break;
        skip_value();
        skip_blank_lines();
        if (peek() == ',') {
          ++i_;
        } else if (peek() != ']') {
          fail("expected ',' or ']' in an array");
        }
      }
      ++i_;
    } else if (c == '{') {
      ++i_;
      while (true) {
        skip_blank_lines();
        if (peek() == '}') break;
        key();
        if (peek() != '=') fail("expected '=' in an inline table");
        ++i_;
        skip_spaces();
        skip_value();
        skip_blank_lines();
        if (peek() == ',') {
          ++i_;
        } else if (peek() != '}') {
          fail("expected ',' or '}' in an inline table");
        }
      }
      ++i_;
    } else {
      std::size_t start = i_;
      while (!at_end() && std::string_view(" \t\r\n,]}#").find(peek()) == std::string_view::npos)
        ++i_;
      if (i_ == start) fail("expected a value");
    }
  }

  // Any of TOML's four string forms, decoded.
  std::string string_value() {
    char quote = peek();
    bool multiline = looking_at(std::string(3, quote));
    i_ += multiline ? 3 : 1;
    if (multiline && peek() == '\r') ++i_;
    if (multiline && peek() == '\n') ++i_;  // a newline right after the opening is trimmed
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      if (multiline ? looking_at(std::string(3, quote)) : peek() == quote) {
        i_ += multiline ? 3 : 1;
        return out;
      }
      char c = s_[i_++];
      if (c == '\n' && !multiline) fail("unterminated string");
      if (c != '\\' || quote == '\'') {
        out += c;
        continue;
      }
      out += escape(multiline);
    }
  }

  std::string escape(bool multiline) {
    char c = at_end() ? '\0' : s_[i_++];
    switch (c) {
      case 'b':
        return "\b";
      case 't':
        return "\t";
      case 'n':
        return "\n";
      case 'f':
        return "\f";
      case 'r':
        return "\r";
      case 'e':
        return "\x1b";
      case '"':
        return "\"";
      case '\\':
        return "\\";
      case 'u':
        return code_point(4);
      case 'U':
        return code_point(8);
      default:
        break;
    }
    if (multiline && (c == '\n' || c == ' ' || c == '\t' || c == '\r')) {
      while (!at_end() && std::string_view(" \t\r\n").find(peek()) != std::string_view::npos) ++i_;
      return "";  // a line-ending backslash trims the following whitespace
    }
    fail(std::string("unknown escape \\") + c);
  }

  std::string code_point(int digits) {
    std::uint32_t value = 0;
    for (int k = 0; k < digits; ++k) {
      char c = peek();
      int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                              : -1;
      if (digit < 0) fail("bad \\u escape");
      value = value * 16 + static_cast<std::uint32_t>(digit);
      ++i_;
    }
    std::string out;
    if (value < 0x80) {
      out += static_cast<char>(value);
    } else if (value < 0x800) {
      out += static_cast<char>(0xC0 | (value >> 6));
      out += static_cast<char>(0x80 | (value & 0x3F));
    } else if (value < 0x10000) {
      out += static_cast<char>(0xE0 | (value >> 12));
      out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (value & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (value >> 18));
      out += static_cast<char>(0x80 | ((value >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (value & 0x3F));
    }
    return out;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string table_;
  WranglerCrons result_;
};

}  // namespace

WranglerCrons scan_wrangler_toml(std::string_view text) {
  return Scanner(text).run();
}

std::string toml_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[(c >> 4) & 0xF];
      out += hex[c & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string replace_crons(std::string_view text, const WranglerCrons& scanned,
                          std::string_view array) {
  std::string out;
  if (scanned.crons) {
    out.append(text.substr(0, scanned.crons->begin));
    out.append(array);
    out.append(text.substr(scanned.crons->end));
  } else if (scanned.triggers_body) {
    std::size_t at = *scanned.triggers_body;
    out.append(text.substr(0, at));
    if (!out.empty() && out.back() != '\n') out += '\n';
    out.append("crons = ").append(array).append("\n");
    out.append(text.substr(at));
  } else {
    out.append(text);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out.append(
        "\n[triggers]\n"
        "# The schedules the modules in MODULES declare: `npm run crons:sync` rewrites this list\n"
        "# and `npm test` checks it.\n"
        "crons = ");
    out.append(array).append("\n");
  }
  return out;
}

std::string set_cron_dispatch(std::string_view text, const WranglerCrons& scanned,
                              std::optional<std::string_view> value) {
  std::string out;
  const auto& line = scanned.cron_dispatch;
  if (!value) {
    if (!line) return std::string(text);
    out.append(text.substr(0, line->line_begin));
    out.append(text.substr(line->line_end));
    return out;
  }
  const std::string quoted = toml_string(*value);
  if (line) {
    out.append(text.substr(0, line->value_begin));
    out.append(quoted);
    out.append(text.substr(line->value_end));
    return out;
  }
  const std::string entry = "MITI_CRON_DISPATCH = " + quoted +
                            "  # `npm run crons:sync`: more schedules than the trigger budget\n";
  if (scanned.vars_last_line_end) {
    std::size_t at = *scanned.vars_last_line_end;
    out.append(text.substr(0, at));
    if (!out.empty() && out.back() != '\n') out += '\n';
    out.append(entry);
    out.append(text.substr(at));
    return out;
  }
  out.append(text);
  if (!out.empty() && out.back() != '\n') out += '\n';
  out.append("\n[vars]\n").append(entry);
  return out;
}

}  // namespace miti::tools
