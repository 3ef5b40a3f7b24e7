// Registry::build validation and parse_module_list. Every rule must fail
// loudly with a message naming the module (and the command or cron).
#include "registry/registry.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "miti/module.hpp"

namespace {

using Catch::Matchers::Contains;
using miti::Command;
using miti::CommandContext;
using miti::Cron;
using miti::CronEvent;
using miti::ModuleContext;
using miti::ModuleDefinition;
using miti::Task;
using miti::Visibility;
using miti::registry::ModuleEntry;
using miti::registry::parse_module_list;
using miti::registry::Registry;
using miti::registry::RegistryError;

Task<void> handler(CommandContext&) {
  co_return;
}
Task<void> cron_handler(const CronEvent&, ModuleContext&) {
  co_return;
}

// Factories are plain function pointers, so each folder reads its definition
// from a slot the test fills in.
std::array<ModuleDefinition, 3> slots;
template <std::size_t I>
ModuleDefinition slot() {
  return slots[I];
}

const std::array<ModuleEntry, 3> kEntries = {{
    {"alpha", &slot<0>},
    {"beta", &slot<1>},
    {"gamma", &slot<2>},
}};

// Resets the slots to three small valid modules.
void reset_slots() {
  slots[0] = ModuleDefinition{
      .name = "alpha",
      .commands = {{"a1", Visibility::kPublic, "first", handler},
                   {"a2", Visibility::kProtected, "second", handler}},
  };
  slots[1] = ModuleDefinition{
      .name = "beta",
      .commands = {{"b1", Visibility::kPrivate, "hidden", handler}},
  };
  slots[2] = ModuleDefinition{.name = "gamma"};
}

Registry build(std::string_view modules_var) {
  return Registry::build(kEntries, modules_var);
}

std::string repeat(std::string_view unit, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

}  // namespace

TEST_CASE("parse_module_list trims, drops empties and duplicates, keeps order", "[registry]") {
  using List = std::vector<std::string>;
  CHECK(parse_module_list("util,misc") == List{"util", "misc"});
  CHECK(parse_module_list("  misc , util\t,\nmisc , ,util") == List{"misc", "util"});
  CHECK(parse_module_list("b,a,b,c,a") == List{"b", "a", "c"});
  CHECK(parse_module_list("") == List{});
  CHECK(parse_module_list(" , ,, ") == List{});
  CHECK(parse_module_list("solo") == List{"solo"});
  CHECK(parse_module_list(",x,") == List{"x"});
}

TEST_CASE("a valid registry keeps MODULES order and routes every visibility", "[registry]") {
  reset_slots();
  Registry registry = build("gamma, beta ,alpha,beta");
  REQUIRE(registry.modules().size() == 4);  // and the framework's "miti" last
  CHECK(registry.modules()[0].name == "gamma");
  CHECK(registry.modules()[1].name == "beta");
  CHECK(registry.modules()[2].name == "alpha");
  CHECK(registry.modules()[3].name == "miti");

  const auto* route = registry.find_command("b1");  // private: still callable
  REQUIRE(route != nullptr);
  CHECK(route->module->name == "beta");
  CHECK(route->command->name == "b1");
  REQUIRE(registry.find_command("a2") != nullptr);
  CHECK(registry.find_command("a2")->module->name == "alpha");
  CHECK(registry.find_command("nope") == nullptr);
  CHECK(registry.find_command("A1") == nullptr);  // names are case-sensitive
}

TEST_CASE("only the modules in MODULES run", "[registry]") {
  reset_slots();
  Registry registry = build("beta");
  REQUIRE(registry.modules().size() == 2);
  CHECK(registry.find_command("a1") == nullptr);
  CHECK(registry.find_command("b1") != nullptr);
}

TEST_CASE("routes stay valid after the registry is moved", "[registry]") {
  reset_slots();
  Registry first = build("alpha,beta");
  Registry moved = std::move(first);
  const auto* route = moved.find_command("a1");
  REQUIRE(route != nullptr);
  CHECK(route->module == &moved.modules()[0]);
}

TEST_CASE("empty MODULES is refused", "[registry]") {
  reset_slots();
  CHECK_THROWS_WITH(build(""), Contains("MODULES is empty"));
  CHECK_THROWS_AS(build(" , "), RegistryError);
}

TEST_CASE("an unknown module is refused, naming it and what is compiled in", "[registry]") {
  reset_slots();
  CHECK_THROWS_WITH(build("alpha,delta"),
                    Contains("unknown module 'delta'") && Contains("alpha, beta, gamma"));
}

TEST_CASE("a module whose name differs from its folder is refused", "[registry]") {
  reset_slots();
  slots[1].name = "betta";
  CHECK_THROWS_WITH(build("beta"), Contains("modules/beta") && Contains("'betta'"));
}

TEST_CASE("a module name outside ^[a-z0-9_]+$ is refused", "[registry]") {
  reset_slots();
  for (std::string_view bad : {"Beta", "be-ta", "", "be ta", "bé"}) {
    slots[1].name = bad;
    INFO("name: " << bad);
    CHECK_THROWS_WITH(build("beta"), Contains("^[a-z0-9_]+$"));
  }
  CHECK(miti::registry::is_valid_module_name("a_1"));
  CHECK_FALSE(miti::registry::is_valid_module_name("A"));
  CHECK_FALSE(miti::registry::is_valid_module_name(""));
}

TEST_CASE("command names must match ^[a-z0-9_]{1,32}$ without a leading '/'", "[registry]") {
  reset_slots();
  SECTION("leading slash has its own message") {
    slots[0].commands[0].name = "/a1";
    CHECK_THROWS_WITH(build("alpha"), Contains("module 'alpha', command '/a1'") &&
                                          Contains("without the leading '/'"));
  }
  SECTION("bad characters, empty, too long") {
    std::string too_long = repeat("a", 33);
    for (std::string_view bad :
         {std::string_view("Ping"), std::string_view("pi-ng"), std::string_view("pi ng"),
          std::string_view(""), std::string_view(too_long), std::string_view("p@bot")}) {
      slots[0].commands[0].name = bad;
      INFO("name: " << bad);
      CHECK_THROWS_WITH(build("alpha"),
                        Contains("module 'alpha', command '" + std::string(bad) + "'") &&
                            Contains("^[a-z0-9_]{1,32}$"));
    }
  }
  SECTION("32 characters is the maximum") {
    std::string longest = repeat("z", 32);
    slots[0].commands[0].name = longest;
    CHECK_NOTHROW(build("alpha"));
  }
}

TEST_CASE("descriptions are 1 to 256 characters, counted as characters", "[registry]") {
  reset_slots();
  SECTION("empty") {
    slots[0].commands[1].description = "";
    CHECK_THROWS_WITH(build("alpha"),
                      Contains("module 'alpha', command 'a2'") && Contains("1 to 256 characters"));
  }
  SECTION("257 ASCII characters") {
    std::string text = repeat("d", 257);
    slots[0].commands[1].description = text;
    CHECK_THROWS_WITH(build("alpha"), Contains("command 'a2'") && Contains("got 257"));
  }
  SECTION("256 ASCII characters") {
    std::string text = repeat("d", 256);
    slots[0].commands[1].description = text;
    CHECK_NOTHROW(build("alpha"));
  }
  SECTION("256 Cyrillic characters (512 bytes) are fine") {
    std::string text = repeat("ж", 256);
    REQUIRE(text.size() == 512);
    slots[0].commands[1].description = text;
    CHECK_NOTHROW(build("alpha"));
  }
  SECTION("257 Cyrillic characters are not") {
    std::string text = repeat("ж", 257);
    slots[0].commands[1].description = text;
    CHECK_THROWS_WITH(build("alpha"), Contains("got 257"));
  }
  SECTION("emoji count as one character each") {
    std::string text = repeat("😀", 256);
    slots[0].commands[1].description = text;
    CHECK_NOTHROW(build("alpha"));
  }
}

TEST_CASE("a command without a handler is refused", "[registry]") {
  reset_slots();
  slots[1].commands[0].handler = nullptr;
  CHECK_THROWS_WITH(build("beta"),
                    Contains("module 'beta', command 'b1'") && Contains("no handler"));
}

TEST_CASE("at most 100 public commands across all modules", "[registry]") {
  reset_slots();
  std::vector<std::string> names;
  for (int i = 0; i < 101; ++i) names.push_back("c" + std::to_string(i));

  SECTION("100 public commands in total pass") {
    // alpha has one public command already; 99 more in gamma make 100.
    for (int i = 0; i < 99; ++i) {
      slots[2].commands.push_back({names[i], Visibility::kPublic, "d", handler});
    }
    CHECK_NOTHROW(build("alpha,gamma"));
  }
  SECTION("101 public commands fail") {
    for (int i = 0; i < 100; ++i) {
      slots[2].commands.push_back({names[i], Visibility::kPublic, "d", handler});
    }
    CHECK_THROWS_WITH(build("alpha,gamma"), Contains("101 public commands") && Contains("100"));
  }
  SECTION("protected and private commands do not count") {
    for (int i = 0; i < 101; ++i) {
      slots[2].commands.push_back(
          {names[i], i % 2 ? Visibility::kPrivate : Visibility::kProtected, "d", handler});
    }
    CHECK_NOTHROW(build("alpha,gamma"));
  }
  SECTION("modules not in MODULES do not count") {
    for (int i = 0; i < 101; ++i) {
      slots[2].commands.push_back({names[i], Visibility::kPublic, "d", handler});
    }
    CHECK_NOTHROW(build("alpha,beta"));
  }
}

TEST_CASE("a command name is claimed once across modules and visibilities", "[registry]") {
  reset_slots();
  SECTION("same name, different modules and visibilities") {
    slots[2].commands.push_back({"b1", Visibility::kPublic, "clash", handler});
    CHECK_THROWS_WITH(build("beta,gamma"),
                      Contains("command 'b1'") && Contains("'beta'") && Contains("'gamma'"));
  }
  SECTION("same name twice in one module") {
    slots[0].commands.push_back({"a1", Visibility::kPrivate, "again", handler});
    CHECK_THROWS_WITH(build("alpha"), Contains("command 'a1'") && Contains("'alpha'"));
  }
  SECTION("no clash when the other module is not selected") {
    slots[2].commands.push_back({"b1", Visibility::kPublic, "clash", handler});
    CHECK_NOTHROW(build("alpha,gamma"));
  }
}

TEST_CASE("cron names must match ^[a-z0-9_-]{1,32}$ and be unique in a module", "[registry]") {
  reset_slots();
  SECTION("valid crons pass, also with a dash, and the same name in two modules") {
    slots[0].crons = {{"daily-report", "0 9 * * *", cron_handler},
                      {"hourly_sync", "0 * * * *", cron_handler}};
    slots[2].crons = {{"daily-report", "0 9 * * *", cron_handler}};
    CHECK_NOTHROW(build("alpha,gamma"));
  }
  SECTION("bad names") {
    std::string too_long = repeat("x", 33);
    for (std::string_view bad :
         {std::string_view("Daily"), std::string_view("a b"), std::string_view(""),
          std::string_view(too_long), std::string_view("a.b")}) {
      slots[2].crons = {{bad, "* * * * *", cron_handler}};
      INFO("cron: " << bad);
      CHECK_THROWS_WITH(build("gamma"),
                        Contains("module 'gamma', cron '" + std::string(bad) + "'") &&
                            Contains("^[a-z0-9_-]{1,32}$"));
    }
  }
  SECTION("duplicate within a module") {
    slots[2].crons = {{"tick", "* * * * *", cron_handler}, {"tick", "0 * * * *", cron_handler}};
    CHECK_THROWS_WITH(build("gamma"),
                      Contains("module 'gamma', cron 'tick'") && Contains("declared twice"));
  }
  SECTION("empty schedule and missing handler") {
    slots[2].crons = {{"tick", "  ", cron_handler}};
    CHECK_THROWS_WITH(build("gamma"), Contains("cron 'tick'") && Contains("schedule is empty"));
    slots[2].crons = {{"tick", "* * * * *", nullptr}};
    CHECK_THROWS_WITH(build("gamma"), Contains("cron 'tick'") && Contains("no handler"));
  }
}

TEST_CASE("the modules compiled into this build form a valid registry", "[registry]") {
  // Every folder under modules/ must at least pass validation on its own.
  for (const ModuleEntry& entry : miti::registry::compiled_modules()) {
    INFO("module: " << entry.folder);
    CHECK_NOTHROW(Registry::build(miti::registry::compiled_modules(), entry.folder));
  }
}

TEST_CASE("an invalid cron schedule is refused, naming module and cron", "[registry]") {
  reset_slots();
  for (std::string_view bad : {"61 * * * *", "* * * *", "every hour"}) {
    slots[2].crons = {{"tick", bad, cron_handler}};
    INFO("schedule: " << bad);
    CHECK_THROWS_WITH(build("gamma"), Contains("module 'gamma', cron 'tick'"));
  }
  // The whole message: where, then the parser's own account of the field.
  slots[2].crons = {{"tick", "61 * * * *", cron_handler}};
  CHECK_THROWS_WITH(build("gamma"),
                    "module 'gamma', cron 'tick': cron expression '61 * * * *': minute '61': 61 "
                    "is out of range 0-59");
}

TEST_CASE("a schedule error is a RegistryError like every other rule", "[registry]") {
  // The cron parser throws its own CronError; callers catch RegistryError.
  reset_slots();
  slots[2].crons = {{"tick", "61 * * * *", cron_handler}};
  CHECK_THROWS_AS(build("gamma"), RegistryError);
}
