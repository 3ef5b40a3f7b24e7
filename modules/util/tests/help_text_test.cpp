// /help rendering (modules/util/help_text.hpp): sections in MODULES order,
// public then protected lines, private hidden, everything HTML-escaped.
#include "util/help_text.hpp"

#include <catch2/catch.hpp>
#include <miti/text.hpp>
#include <string>
#include <vector>

#include "registry/module_index.hpp"

namespace {

using miti::CommandContext;
using miti::escape_html;
using miti::ModuleDefinition;
using miti::Task;
using miti::Visibility;
using util_module::render_help;

Task<void> noop(CommandContext&) {
  co_return;
}

const std::string kDash = " \u2014 ";  // " — " between a command and its description

}  // namespace

TEST_CASE("no modules, or only private commands: 'no commands registered'", "[help_text]") {
  CHECK(render_help({}) == "no commands registered");
  std::vector<ModuleDefinition> modules = {
      {.name = "secret", .commands = {{"hidden", Visibility::kPrivate, "shh", noop}}},
      {.name = "empty"},
  };
  CHECK(render_help(modules) == "no commands registered");
}

TEST_CASE("one section per module in order; public first, then protected", "[help_text]") {
  std::vector<ModuleDefinition> modules = {
      {.name = "zeta",
       .commands = {{"z_prot", Visibility::kProtected, "zeta protected", noop},
                    {"z_priv", Visibility::kPrivate, "zeta private", noop},
                    {"z_pub", Visibility::kPublic, "zeta public", noop}}},
      {.name = "alpha", .commands = {{"a", Visibility::kPublic, "alpha public", noop}}},
  };
  std::string expected = "<b>zeta</b>\n/z_pub" + kDash + "zeta public\n/z_prot" + kDash +
                         "zeta protected (protected)\n\n<b>alpha</b>\n/a" + kDash + "alpha public";
  CHECK(render_help(modules) == expected);
}

TEST_CASE("a module with only private commands gets no section", "[help_text]") {
  std::vector<ModuleDefinition> modules = {
      {.name = "one", .commands = {{"x", Visibility::kPublic, "ex", noop}}},
      {.name = "quiet", .commands = {{"y", Visibility::kPrivate, "why", noop}}},
      {.name = "two", .commands = {{"z", Visibility::kProtected, "zed", noop}}},
  };
  std::string help = render_help(modules);
  CHECK(help == "<b>one</b>\n/x" + kDash + "ex\n\n<b>two</b>\n/z" + kDash + "zed (protected)");
  CHECK(help.find("quiet") == std::string::npos);
  CHECK(help.find("why") == std::string::npos);
}

TEST_CASE("names and descriptions are HTML-escaped", "[help_text]") {
  std::vector<ModuleDefinition> modules = {
      {.name = "m<b>",
       .commands = {{"c", Visibility::kPublic, "a < b && \"c\" > d <i>x</i>", noop}}},
  };
  std::string help = render_help(modules);
  CHECK(help == "<b>m&lt;b&gt;</b>\n/c" + kDash +
                    "a &lt; b &amp;&amp; &quot;c&quot; &gt; d &lt;i&gt;x&lt;/i&gt;");
}

TEST_CASE("escape_html leaves other text, including UTF-8, alone", "[help_text]") {
  CHECK(escape_html("") == "");
  CHECK(escape_html("plain text, ünïcödé 😀") == "plain text, ünïcödé 😀");
  CHECK(escape_html("&amp;") == "&amp;amp;");  // escaping is not idempotent by design
  CHECK(escape_html("<>&\"") == "&lt;&gt;&amp;&quot;");
}

TEST_CASE("the compiled util and misc modules render as /help shows them", "[help_text]") {
  auto find = [](std::string_view folder) -> ModuleDefinition {
    for (const auto& entry : miti::registry::compiled_modules()) {
      if (entry.folder == folder) return entry.factory();
    }
    FAIL("module not compiled in: " << folder);
    return {};
  };
  std::string help = render_help({find("util"), find("misc")});
  CHECK(help.find("<b>util</b>") < help.find("<b>misc</b>"));
  CHECK(help.find("/ping") != std::string::npos);
  CHECK(help.find("/mstats") != std::string::npos);
  CHECK(help.find("(protected)") > help.find("/ping"));
  CHECK(help.find("fortytwo") == std::string::npos);  // private
}
