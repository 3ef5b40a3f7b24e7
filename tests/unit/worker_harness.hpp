// A dispatch::Worker wired to a FakeHost, plus builders for update JSON.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "dispatch/worker.hpp"
#include "fake_host.hpp"
#include "miti/context.hpp"
#include "registry/module_index.hpp"
#include "telegram/command_parser.hpp"

namespace miti_test {

struct WorkerHarness {
  static constexpr miti::dispatch::EnvId kEnv = 1;

  WorkerHarness(std::span<const miti::registry::ModuleEntry> modules, const Json& vars,
                const std::vector<std::string>& bindings = {"KV", "DB"})
      : worker(host, modules) {
    host.completer = [this](rt::OperationId id, rt::OpStatus status, std::string payload) {
      worker.complete_operation(id, status, std::move(payload));
    };
    // Delivery records are tested on their own (delivery_test.cpp); other
    // tests keep them out of the operations they script.
    Json with_defaults = vars;
    if (!with_defaults.contains("MITI_DEDUP")) with_defaults["MITI_DEDUP"] = "off";
    worker.set_env(kEnv, Json{{"vars", with_defaults}, {"bindings", bindings}}.dump());
  }

  void webhook(rt::RequestId request, const Json& update) {
    worker.start_webhook(request, kEnv, update.dump());
  }
  void webhook_text(rt::RequestId request, std::string body) {
    worker.start_webhook(request, kEnv, std::move(body));
  }

  FakeHost host;  // declared first: the worker refers to it
  miti::dispatch::Worker worker;
};

// Replies with default options.
inline miti::Task<void> say(miti::CommandContext& ctx, std::string text) {
  co_await ctx.reply(std::move(text));
}

// A message update whose text starts with a command entity covering the
// first word ("/cmd" or "/cmd@bot").
inline Json command_update(std::int64_t update_id, std::int64_t chat_id, const std::string& text,
                           const char* field = "message") {
  std::string token = text.substr(0, text.find_first_of(" \n"));
  Json entity = {
      {"type", "bot_command"}, {"offset", 0}, {"length", miti::telegram::utf16_length(token)}};
  Json entities = Json::array();
  entities.push_back(entity);
  Json message = {{"message_id", update_id * 10},
                  {"chat", {{"id", chat_id}, {"type", "private"}}},
                  {"from", {{"id", 500 + chat_id}, {"is_bot", false}, {"first_name", "T"}}},
                  {"date", 1700000000},
                  {"text", text},
                  {"entities", entities}};
  return Json{{"update_id", update_id}, {field, message}};
}

// The webhook-body reply a handler's first reply() produces.
inline Json webhook_reply(std::int64_t chat_id, const std::string& text) {
  return Json{{"method", "sendMessage"}, {"chat_id", chat_id}, {"text", text}};
}

}  // namespace miti_test
