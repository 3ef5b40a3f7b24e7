// The whole webhook flow: a body through the real dispatch::Worker with the production modules
// (util, misc, notes, remind), on the native FakeHost of the unit tests (tests/unit/fake_host.hpp,
// wired as in worker_harness.hpp), every host operation (KV, D1, Bot API, sleep) answered with a
// plausible canned answer, an error or a timeout, synchronously or later in any order.
//
// Input: [config] [host] [n] [n script bytes] [webhook body...]
//   config  bits 0-3: MODULES, a combination of util, misc, notes, remind (0: MODULES empty);
//           bits 4-5: TELEGRAM_BOT_USERNAME; bit 6: no DB binding; bit 7: MITI_DEDUP on
//   host    bit 0: TELEGRAM_WEBHOOK_REPLY=false; bit 1: respond_now(1) at drain step k;
//           bit 2: cancel(1) at drain step 2k+1; bit 3: the same body again as a concurrent
//           request 2; bits 4-7: k
//   script  read cyclically (empty: every operation answered plainly, in order): one byte per
//           submitted operation (how and when it is answered) and one per drain step (which
//           waiting operation is answered next).
// Properties:
// * Nothing crashes or trips ASan/UBSan; every operation, answer and log line is JSON.
// * Every request is answered exactly once, status 200, and finishes exactly once, after its
//   answer; nothing of it (no operation, no answer) comes after it finished.
// * The answer body is empty or a Bot API call ({"method": ...}), empty when webhook replies
//   are off.
// * Once the host has answered everything, no request and no operation is left in flight, and
//   the Worker still works: a /help command to util gets its answer (a failing or throwing
//   handler ended only its own request).
#define CATCH_CONFIG_DISABLE  // fake_host.hpp's REQUIRE()s compile to nothing: no Catch2 runner
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/worker.hpp"
#include "fake_host.hpp"
#include "fuzz_support.hpp"
#include "miti/json.hpp"
#include "registry/module_index.hpp"

namespace {

using miti::Json;
using miti_test::Reply;
using miti_test::SubmittedOp;
namespace rt = miti::runtime;

constexpr std::int64_t kNow = 1'700'000'000'000;
// After this many operations every answer is a plain success, answered in order (a module that
// retries or pages would otherwise go on as long as the script says so); past the limit the
// flow never ends.
constexpr std::size_t kCalmAfter = 256;
constexpr std::size_t kMaxOperations = 4096;

// The input's answer script, read cyclically; zero once calm (or when empty).
class Script {
 public:
  explicit Script(std::string_view bytes) : bytes_(bytes) {}
  std::uint8_t take() {
    if (bytes_.empty() || calm) return 0;
    return static_cast<std::uint8_t>(bytes_[next_++ % bytes_.size()]);
  }
  bool calm = false;

 private:
  std::string_view bytes_;
  std::size_t next_ = 0;
};

// FakeHost, plus what each request did and when.
class FuzzHost final : public miti_test::FakeHost {
 public:
  struct Seen {
    int answers = 0;
    int finishes = 0;
    int status = 0;
    std::string body;
  };

  void submit(rt::RequestId request, rt::OperationId id, std::string_view op_json) override {
    FUZZ_CHECK(requests[request].finishes == 0, "a finished request submits an operation");
    std::optional<Json> op = Json::try_parse(op_json);
    FUZZ_CHECK(op && op->is_object() && (*op)["op"].is_string(),
               "an operation that is not a JSON object with \"op\"");
    FUZZ_CHECK(ops.size() < kMaxOperations, "the operations never end");
    FakeHost::submit(request, id, op_json);
  }
  void respond(rt::RequestId request, int status, std::string_view body) override {
    Seen& seen = requests[request];
    FUZZ_CHECK(seen.finishes == 0, "a request answered after it finished");
    ++seen.answers;
    seen.status = status;
    seen.body = std::string(body);
    FakeHost::respond(request, status, body);
  }
  void finish(rt::RequestId request) override {
    ++requests[request].finishes;
    FakeHost::finish(request);
  }
  void log(std::string_view line) override {
    std::optional<Json> parsed = Json::try_parse(line);
    FUZZ_CHECK(parsed && parsed->is_object() && (*parsed)["level"].is_string() &&
                   (*parsed)["msg"].is_string(),
               "a log line that is not a JSON object with level and msg");
    // Only the count matters here: keep memory flat.
    ++log_lines;
  }

  std::map<rt::RequestId, Seen> requests;
  std::size_t log_lines = 0;
};

// ---- plausible answers --------------------------------------------------------------------

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '*';
}

// The comma-separated list between `from` and `to` (lowercased SQL), split at top-level commas.
std::vector<std::string> sql_list(const std::string& sql, std::size_t from, std::size_t to) {
  std::vector<std::string> items;
  std::string item;
  int depth = 0;
  for (std::size_t i = from; i < to && i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  items.push_back(item);
  return items;
}

// The name a result column gets: "x AS name" -> name, "t.col" -> col, "count(*)" -> count(*).
std::string column_name(std::string item) {
  while (!item.empty() && item.back() == ' ') item.pop_back();
  std::size_t as = item.rfind(" as ");
  if (as != std::string::npos) item = item.substr(as + 4);
  std::size_t end = item.size();
  std::size_t start = end;
  while (start > 0 && is_word(item[start - 1])) --start;
  if (start < end && item.back() != ')') return item.substr(start);
  std::size_t first = item.find_first_not_of(' ');
  return first == std::string::npos ? std::string() : item.substr(first);
}

// The columns a statement answers: RETURNING's list, else the first SELECT's.
std::vector<std::string> result_columns(const std::string& sql) {
  std::vector<std::string> items;
  if (std::size_t returning = sql.find(" returning "); returning != std::string::npos) {
    items = sql_list(sql, returning + 11, sql.size());
  } else if (std::size_t select = sql.find("select "); select != std::string::npos) {
    std::size_t from = sql.find(" from ", select);
    items = sql_list(sql, select + 7, from == std::string::npos ? sql.size() : from);
  } else {
    return {};
  }
  std::vector<std::string> columns;
  for (std::string& item : items) {
    std::string name = column_name(item);
    if (name == "*") {
      for (const char* all : {"id", "user_id", "chat_id", "text", "due_at", "state", "attempts",
                              "created_at", "delivered_message_id", "lease_until", "claim"}) {
        columns.emplace_back(all);
      }
    } else {
      columns.push_back(name);
    }
  }
  return columns;
}

// For "INSERT INTO t (a, b) VALUES (?1, 'x')": column -> the value inserted, so that
// RETURNING answers what was written (the delivery claim reads its own token back).
std::map<std::string, Json> inserted_values(const std::string& sql, const Json& params) {
  std::map<std::string, Json> out;
  std::size_t open = sql.find('(', sql.find("insert into "));
  std::size_t values = sql.find(" values ");
  if (sql.find("insert into ") == std::string::npos || open == std::string::npos ||
      values == std::string::npos || open > values) {
    return out;
  }
  std::size_t close = sql.find(')', open);
  std::size_t values_open = sql.find('(', values);
  std::size_t values_close = sql.find(')', values_open);
  if (close == std::string::npos || values_open == std::string::npos ||
      values_close == std::string::npos) {
    return out;
  }
  std::vector<std::string> names = sql_list(sql, open + 1, close);
  std::vector<std::string> exprs = sql_list(sql, values_open + 1, values_close);
  std::size_t next_param = 0;
  for (std::size_t i = 0; i < names.size() && i < exprs.size(); ++i) {
    std::string expr = exprs[i];
    std::size_t first = expr.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    expr = expr.substr(first);
    Json value;
    if (expr.starts_with('?')) {
      std::size_t index = next_param;
      if (expr.size() > 1 && expr[1] >= '1' && expr[1] <= '9') {
        index = static_cast<std::size_t>(std::atoi(expr.c_str() + 1)) - 1;
      }
      next_param = index + 1;
      if (params.is_array() && index < params.size()) value = params[index];
    } else if (expr.starts_with('\'')) {
      value = expr.substr(
          1, expr.find('\'', 1) == std::string::npos ? std::string::npos : expr.find('\'', 1) - 1);
    }
    out[column_name(names[i])] = std::move(value);
  }
  return out;
}

// A value for a column, by its name (ids are integers, times are near now, ...).
Json column_value(const std::string& column, std::uint8_t pick, std::int64_t row) {
  if (pick % 8 == 7) return nullptr;
  if (column == "state") {
    static const char* const kStates[] = {"pending", "running", "done", "delivered", "failed"};
    return kStates[pick % 5];
  }
  if (column.ends_with("_at") || column.ends_with("_until") || column == "at") {
    return kNow + (static_cast<std::int64_t>(pick % 5) - 2) * 60'000;
  }
  if (column == "text" || column == "module" || column == "step" || column == "claim" ||
      column == "description" || column == "name") {
    static const char* const kTexts[] = {"buy milk", "", "<b>&amp;", "remind", "ask", "x\ny"};
    return kTexts[pick % 6];
  }
  if (column == "data" || column.ends_with("state") || column == "value") {
    return pick % 2 == 0 ? "{\"n\":1}" : "not json";
  }
  if (column.ends_with("id") || column == "n" || column.starts_with("count") ||
      column == "attempts" || column == "chats" || column == "i" || column == "1") {
    static const std::int64_t kIds[] = {1, 42, 0, -1001234567890, 7, 1'000'000'000'000};
    return kIds[(pick + row) % 6];
  }
  return pick % 2 == 0 ? Json(row + 1) : Json("v");
}

// d1.all / d1.first / a batch item: {"columns", "rows", "meta"}.
Json d1_result(const Json& statement, std::uint8_t variant, bool odd) {
  const std::string sql = lower(statement["sql"].is_string() ? statement["sql"].as_string() : "");
  std::vector<std::string> columns = result_columns(sql);
  std::map<std::string, Json> inserted = inserted_values(sql, statement["params"]);
  const bool returning = sql.find(" returning ") != std::string::npos;
  std::int64_t count = odd ? 0 : returning ? 1 : variant % 3;
  Json names = Json::array();
  for (const std::string& column : columns) names.push_back(column);
  Json rows = Json::array();
  for (std::int64_t row = 0; row < count; ++row) {
    Json values = Json::array();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      auto it = inserted.find(columns[c]);
      values.push_back(it != inserted.end() && variant % 4 != 3
                           ? it->second
                           : column_value(columns[c], static_cast<std::uint8_t>(variant + c), row));
    }
    rows.push_back(std::move(values));
  }
  const std::int64_t changes = odd ? 0 : sql.starts_with("select") ? 0 : 1 + variant % 2;
  return Json{{"columns", std::move(names)},
              {"rows", std::move(rows)},
              {"meta", {{"changes", changes}, {"last_row_id", 1 + variant % 5}}}};
}

Json message_result(const Json& params, std::int64_t message_id) {
  Json chat_id = params["chat_id"].is_null() ? Json(42) : params["chat_id"];
  return Json{{"message_id", message_id},
              {"date", kNow / 1000},
              {"chat", {{"id", chat_id}, {"type", "private"}}},
              {"text", params["text"].is_string() ? params["text"] : Json("")}};
}

// A successful (or, when odd, a refused but well-formed) Bot API answer.
Json telegram_answer(const Json& op, std::uint8_t variant, bool odd) {
  const std::string method = op["method"].is_string() ? op["method"].as_string() : "";
  const Json& params = op["params"];
  if (odd) {
    switch (variant % 4) {
      case 0:
        return Json{{"ok", false},
                    {"error_code", 429},
                    {"description", "Too Many Requests: retry after 3"},
                    {"parameters", {{"retry_after", 3}}}};
      case 1:
        return Json{{"ok", false},
                    {"error_code", 403},
                    {"description", "Forbidden: bot was blocked by the user"}};
      case 2:
        return Json{{"ok", false},
                    {"error_code", 400},
                    {"description", "Bad Request: group chat was upgraded to a supergroup chat"},
                    {"parameters", {{"migrate_to_chat_id", -1001234567890}}}};
      default:
        return Json{{"ok", false},
                    {"error_code", 400},
                    {"description", "Bad Request: message is not modified"}};
    }
  }
  Json result = true;
  if (method.starts_with("send") || method.starts_with("edit") || method == "forwardMessage") {
    result = message_result(params, 100 + variant);
  } else if (method == "getMe") {
    result = Json{{"id", 1}, {"is_bot", true}, {"first_name", "Bot"}, {"username", "Test_Bot"}};
  } else if (method == "getChat") {
    result = Json{{"id", params["chat_id"]}, {"type", "private"}};
  }
  return Json{{"ok", true}, {"result", std::move(result)}};
}

// The answer to one operation. outcome 0-3: plausible success; 4: success that says no
// (Bot API errors, no rows, a KV miss); 5: the host failed; 6: timed out; 7: malformed.
Reply answer_for(const Json& op, std::uint8_t outcome, std::uint8_t variant) {
  if (outcome == 5)
    return miti_test::fail(variant % 2 == 0 ? "D1_ERROR: database is locked"
                                            : "network connection lost");
  if (outcome == 6) return miti_test::timed_out();
  if (outcome == 7) {
    static const char* const kMalformed[] = {"", "<html>502</html>", "[]", "{\"ok\":", "42", "{}"};
    return Reply{true, kMalformed[variant % 6]};
  }
  const bool odd = outcome == 4;
  const std::string kind = op["op"].as_string();
  if (kind == "telegram") return miti_test::ok(telegram_answer(op, variant, odd));
  if (kind == "kv.get") {
    if (odd || variant % 4 == 0) return miti_test::ok(nullptr);
    static const char* const kValues[] = {"{\"at\":\"2023-11-14T22:13:20Z\",\"chat_id\":42}",
                                          "plain text", "{\"n\":1}", "[1,2]", "null"};
    return miti_test::ok(kValues[variant % 5]);
  }
  if (kind == "kv.list") {
    const std::string prefix = op["prefix"].is_string() ? op["prefix"].as_string() : "";
    Json keys = Json::array();
    if (!odd) {
      for (std::uint8_t i = 0; i < variant % 3; ++i) keys.push_back(prefix + "k" + char('0' + i));
    }
    Json page = {{"keys", std::move(keys)}, {"done", odd || variant % 4 != 1}};
    if (variant % 4 == 1) page["cursor"] = "c" + std::to_string(variant);
    return miti_test::ok(page);
  }
  if (kind == "d1.run") return miti_test::ok(d1_result(op, variant, odd)["meta"]);
  if (kind == "d1.all" || kind == "d1.first") return miti_test::ok(d1_result(op, variant, odd));
  if (kind == "d1.batch") {
    Json results = Json::array();
    for (const Json& statement : op["statements"]) {
      results.push_back(d1_result(statement, variant, odd));
    }
    // Now and then one result too few, as a confused host would answer.
    if (odd && !results.empty() && variant % 2 == 1) results = Json::array();
    return miti_test::ok(results);
  }
  return miti_test::ok(nullptr);  // kv.put, kv.delete, sleep, ...
}

// ---- one run ------------------------------------------------------------------------------

struct Harness {
  Harness(std::string_view script_bytes, const Json& vars, std::vector<std::string> bindings)
      : script(script_bytes), worker(host, miti::registry::compiled_modules()) {
    host.now = kNow;
    host.completer = [this](rt::OperationId id, rt::OpStatus status, std::string payload) {
      worker.complete_operation(id, status, std::move(payload));
    };
    host.auto_reply = [this](const SubmittedOp& op) -> std::optional<Reply> {
      // How this operation is answered: now (inside submit) or later.
      const std::uint8_t how = script.take();
      const Reply reply = answer_for(op.op, (how >> 2) & 7, how >> 5);
      if (host.ops.size() > kCalmAfter) script.calm = true;
      if ((how & 3) == 1 && !script.calm) return reply;
      waiting.push_back({op.id, op.op, reply});
      return std::nullopt;
    };
    worker.set_env(1, Json{{"vars", vars}, {"bindings", bindings}}.dump());
  }

  // Answers the waiting operations until none is left, in an order the script picks.
  // step_hook(n) runs before the n-th answer.
  template <typename Hook>
  void drain(Hook step_hook) {
    for (std::size_t step = 0; !waiting.empty(); ++step) {
      step_hook(step);
      if (waiting.empty()) break;
      const std::size_t index = script.take() % waiting.size();
      Waiting next = std::move(waiting[index]);
      waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(index));
      if (next.op["op"] == "sleep" && next.op["ms"].is_integer())
        host.now += next.op["ms"].as_integer();
      host.answer(next.id, next.reply);
    }
  }

  struct Waiting {
    rt::OperationId id;
    Json op;
    Reply reply;
  };
  Script script;
  FuzzHost host;  // before the worker, which refers to it
  miti::dispatch::Worker worker;
  std::vector<Waiting> waiting;
};

void check_answered(const Harness& h, rt::RequestId request, bool webhook_reply) {
  auto it = h.host.requests.find(request);
  FUZZ_CHECK(it != h.host.requests.end() && it->second.answers == 1,
             "a request is not answered exactly once");
  FUZZ_CHECK(it->second.finishes == 1, "a request does not finish exactly once");
  FUZZ_CHECK(it->second.status == 200, "an authenticated update is not answered 200");
  const std::string& body = it->second.body;
  if (body.empty()) return;
  FUZZ_CHECK(webhook_reply, "a webhook reply while TELEGRAM_WEBHOOK_REPLY is false");
  std::optional<Json> reply = Json::try_parse(body);
  FUZZ_CHECK(reply && reply->is_object() && (*reply)["method"].is_string(),
             "the answer body is not a Bot API call");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t config = data[0];
  const std::uint8_t host_flags = data[1];
  const std::size_t script_size = std::min<std::size_t>(data[2], size - 3);
  const std::string_view script = miti_fuzz::as_text(data + 3, script_size);
  const std::string body(miti_fuzz::as_text(data + 3 + script_size, size - 3 - script_size));

  static const char* const kModules[] = {"util", "misc", "notes", "remind"};
  static const char* const kUsernames[] = {"", "Test_Bot", "@test_bot", "x"};
  std::string modules;
  for (int i = 0; i < 4; ++i) {
    if ((config >> i & 1) == 0) continue;
    if (!modules.empty()) modules += ',';
    modules += kModules[i];
  }
  const bool has_db = (config & 0x40) == 0;
  const bool webhook_reply = (host_flags & 1) == 0;
  Json vars = {{"MODULES", modules},
               {"TELEGRAM_BOT_USERNAME", kUsernames[config >> 4 & 3]},
               {"MITI_DEDUP", (config & 0x80) != 0 ? "on" : "off"}};
  if (!webhook_reply) vars["TELEGRAM_WEBHOOK_REPLY"] = "false";
  std::vector<std::string> bindings = {"KV"};
  if (has_db) bindings.emplace_back("DB");

  Harness h(script, vars, bindings);
  const bool twice = (host_flags & 8) != 0;
  h.worker.start_webhook(1, 1, body);
  if (twice) h.worker.start_webhook(2, 1, body);
  const std::size_t k = host_flags >> 4;
  h.drain([&](std::size_t step) {
    if ((host_flags & 2) != 0 && step == k) h.worker.respond_now(1);
    if ((host_flags & 4) != 0 && step == 2 * k + 1) h.worker.cancel(1);
  });
  // Operations answered after their request was cancelled are ignored, and requests that
  // never waited on the host are over already.
  FUZZ_CHECK(h.worker.requests_in_flight() == 0, "a request left in flight");
  FUZZ_CHECK(h.worker.runtime().pending_count() == 0, "an operation left in flight");
  FUZZ_CHECK(h.host.unanswered().empty(), "an operation never answered");
  check_answered(h, 1, webhook_reply);
  if (twice) check_answered(h, 2, webhook_reply);
  FUZZ_CHECK(h.host.requests.size() == (twice ? 2u : 1u), "an answer to a request never made");

  // The Worker still works: /help in a private chat, every operation answered plainly.
  h.script.calm = true;
  const bool help_runs = (config & 1) != 0 && (has_db || (config & 0x0C) == 0);
  const std::size_t ops_before = h.host.ops.size();
  h.worker.start_webhook(3, 1,
                         R"({"update_id":999999999,"message":{"message_id":1,"date":1700000000,)"
                         R"("chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,)"
                         R"("first_name":"T"},"text":"/help","entities":[{"type":"bot_command",)"
                         R"("offset":0,"length":5}]}})");
  h.drain([](std::size_t) {});
  FUZZ_CHECK(h.worker.requests_in_flight() == 0 && h.worker.runtime().pending_count() == 0,
             "the /help request is left in flight");
  check_answered(h, 3, webhook_reply);
  // WEBHOOK_FUZZ_TRACE=1 prints what happened (to look at what a seed reaches).
  static const bool trace = std::getenv("WEBHOOK_FUZZ_TRACE") != nullptr;
  if (trace) {
    for (const SubmittedOp& op : h.host.ops) {
      std::fprintf(stderr, "op %llu: %s\n", static_cast<unsigned long long>(op.request),
                   op.op.dump().c_str());
    }
    for (const auto& [id, seen] : h.host.requests) {
      std::fprintf(stderr, "request %llu: %d %s\n", static_cast<unsigned long long>(id),
                   seen.status, seen.body.c_str());
    }
    std::fprintf(stderr, "log lines: %zu\n", h.host.log_lines);
  }
  if (help_runs && (config & 0x80) == 0) {
    bool sent = !h.host.requests[3].body.empty();
    for (std::size_t i = ops_before; i < h.host.ops.size(); ++i) {
      sent = sent ||
             (h.host.ops[i].op["op"] == "telegram" && h.host.ops[i].op["method"] == "sendMessage");
    }
    FUZZ_CHECK(sent, "after this update, /help gets no answer");
  }
  return 0;
}
