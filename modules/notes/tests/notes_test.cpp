// notes through the Worker with a scripted host (the workerd tests in
// notes.test.mjs run it on Miniflare's real D1), and its text rules.
#include <catch2/catch.hpp>
#include <string>

#include "fake_host.hpp"
#include "isolated.hpp"
#include "notes/note_text.hpp"
#include "registry/module_index.hpp"
#include "worker_harness.hpp"

namespace {

using miti::Json;
using miti_test::command_update;
using miti_test::ok;
using miti_test::run_isolated;
using miti_test::WorkerHarness;

std::span<const miti::registry::ModuleEntry> compiled() {
  return miti::registry::compiled_modules();
}

}  // namespace

TEST_CASE("/notes lists the owner's notes as HTML, a 🗑 button each", "[modules][notes]") {
  std::string out = run_isolated([] {
    WorkerHarness h(compiled(), {{"MODULES", "notes"}});
    h.host.auto_reply = [](const miti_test::SubmittedOp& op) -> std::optional<miti_test::Reply> {
      if (op.op.at("op").as_string() != "d1.all") return miti_test::fail("unexpected op");
      return ok({{"columns", {"id", "text"}}, {"rows", {{3, "buy milk"}, {2, "call mum"}}}});
    };
    h.webhook(1, command_update(1, 42, "/notes 5"));
    return h.host.responses.at(0).body;
  });
  INFO("child: " << out);
  REQUIRE_FALSE(out.starts_with("<"));
  Json body = Json::parse(out);
  CHECK(body.at("parse_mode") == "HTML");
  std::string text = body.at("text").as_string();
  CHECK(text.starts_with("<b>your notes here</b>"));
  CHECK(text.find("buy milk") < text.find("call mum"));
  CHECK(body.at("reply_markup") ==
        Json{{"inline_keyboard",
              Json::array(
                  {Json::array({{{"text", "🗑 #3"}, {"callback_data", "notes:delete:3:5"}},
                                {{"text", "🗑 #2"}, {"callback_data", "notes:delete:2:5"}}})})}});
}

TEST_CASE("notes: counts, payloads and limits", "[notes]") {
  using namespace notes_module;
  CHECK(parse_count("") == kDefaultCount);
  CHECK(parse_count(" 7 ") == 7);
  CHECK(parse_count("0") == 1);
  CHECK(parse_count("-3") == 1);
  CHECK(parse_count("51") == kMaxCount);
  CHECK(parse_count("99999999999999999999999") == kMaxCount);
  CHECK_FALSE(parse_count("1.5"));
  CHECK_FALSE(parse_count("x"));

  CHECK(delete_payload(12, 10) == "12:10");
  auto parsed = parse_delete_payload("12:10");
  REQUIRE(parsed);
  CHECK(parsed->id == 12);
  CHECK(parsed->count == 10);
  CHECK(parse_delete_payload("12")->count == kDefaultCount);
  CHECK_FALSE(parse_delete_payload("x:1"));
  CHECK_FALSE(parse_delete_payload("12:x"));
  CHECK_FALSE(parse_delete_payload(""));

  CHECK_FALSE(note_problem(std::string(1000, 'x')));
  CHECK(note_problem(std::string(1001, 'x')));
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xC3\xA9";  // 1,000 characters, 2,000 bytes
  CHECK_FALSE(note_problem(accents));
  CHECK(list_line(4, "a<b") == "<code>#4</code> a&lt;b");
}
