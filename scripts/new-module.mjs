#!/usr/bin/env node
// npm run new-module <name> [--migration] [--cron "<schedule>"] [--dir <root>]
//
// Creates modules/<name>/: a module with one command /<name> (counts its uses
// per chat and echoes the text after it), a README, a native unit test and a
// workerd test that pass as generated. --migration keeps the count in D1
// (modules/<name>/migrations/0001_create_uses.sql, table <name>_uses) instead
// of KV; --cron adds a cron handler "tick" on that schedule, which records
// when it last ran. --dir generates into another project root (tests use it).
//
// Plain node, no build: the name and the schedule are checked here as far as
// that is possible without the C++ core (the registry checks everything again
// when it is built; `npm run crons:sync` parses the schedule with the real
// parser). Refuses, with exit code 1 and a message, rather than guess.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const DEFAULT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = 'usage: npm run new-module -- <name> [--migration] [--cron "<schedule>"] [--dir <root>]';

// --------------------------------------------------------------- the checks

// The module name becomes the folder, the SQL table prefix <name>_, the C++
// identifiers miti_module_<name> and <name>_module, and the command /<name>.
export function nameProblem(name) {
  if (!name) return "a module name is required";
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    return `'${name}' is not a valid module name: use lower-case letters, digits and underscores, starting with a letter (^[a-z][a-z0-9_]*$; it becomes the SQL table prefix ${name}_)`;
  }
  if (name.length > 32) {
    return `'${name}' is too long: at most 32 characters (the module's command /${name} must fit Telegram's 32)`;
  }
  if (name.includes("__") || name.endsWith("_")) {
    return `'${name}' would make C++ identifiers with a double underscore (${name}_module), which C++ reserves: no '__' and no trailing '_'`;
  }
  if (name === "miti") return "'miti' is the framework's own name (its tables, KV keys and /cancel); pick another";
  return null;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(L|L-\d{1,2}|LW|L-\d{1,2}W|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, special: /^(L|[1-7]L|[1-7]#[1-5])$/i },
];

function valueProblem(field, text) {
  let value;
  if (/^\d+$/.test(text)) value = Number(text);
  else if (field.names && field.names.includes(text.toUpperCase())) return null;
  else return `'${text}' is not a number${field.names ? " or a name" : ""}`;
  if (value < field.min || value > field.max) {
    const hint = field.name === "day-of-week" && value === 0 ? " (Cloudflare counts 1=SUN ... 7=SAT, not Unix's 0=SUN)" : "";
    return `${value} is outside ${field.min}-${field.max}${hint}`;
  }
  return null;
}

// A light syntactic check of a five-field Cloudflare cron expression: the
// shape of every field and its numeric ranges. The C++ parser
// (src/cron/cron_expression.hpp, run by `npm run crons:sync` and the
// registry) has the last word on the finer rules.
export function cronProblem(schedule) {
  const text = (schedule ?? "").trim();
  if (!text) return "the cron schedule is empty";
  if (text.startsWith("@")) return `'${text}': @-macros are not supported by Cloudflare; write five fields, e.g. "0 3 * * *"`;
  const parts = text.split(/[ \t]+/);
  if (parts.length !== 5) {
    return `'${text}' has ${parts.length} field${parts.length === 1 ? "" : "s"}; a cron schedule has five: minute hour day-of-month month day-of-week (UTC), e.g. "*/5 * * * *"`;
  }
  for (let i = 0; i < 5; i++) {
    const field = FIELDS[i];
    const part = parts[i];
    const where = `'${text}', ${field.name} field '${part}'`;
    if (part.includes("?")) return `${where}: '?' is not supported; use '*'`;
    if (field.special && field.special.test(part)) continue;
    for (const item of part.split(",")) {
      const m = item.match(/^([^/]*)(?:\/(.*))?$/);
      const [, range, step] = m;
      if (step !== undefined && !/^\d+$/.test(step)) return `${where}: the step '${step}' is not a number`;
      if (step !== undefined && (Number(step) < 1 || Number(step) > field.max - field.min)) {
        return `${where}: the step ${step} is outside 1-${field.max - field.min}`;
      }
      if (range === "*") {
        if (part.includes(",")) return `${where}: '*' cannot be part of a list`;
        continue;
      }
      const bounds = range.split("-");
      if (bounds.length > 2 || bounds.some((b) => b === "")) return `${where}: '${item}' is not a value, a range a-b or a step a/s`;
      for (const bound of bounds) {
        const problem = valueProblem(field, bound);
        if (problem) return `${where}: ${problem}`;
      }
    }
  }
  return null;
}

// Command names the modules of a project already declare (a heuristic over
// their sources: {"name", Visibility::...} and {.name = "name", .description
// / .visibility}), so that /<name> does not collide: commands share one
// namespace across all modules.
export function declaredCommands(root) {
  const found = new Map([["cancel", "the framework (miti)"]]);
  const patterns = [
    /\{\s*"([a-z0-9_]+)"\s*,\s*(?:miti::)?Visibility::/g,
    /\{\s*\.name\s*=\s*"([a-z0-9_]+)"\s*,\s*\.(?:visibility|description)\b/g,
  ];
  for (const base of ["modules", "tests/modules"]) {
    const dir = path.join(root, base);
    if (!existsSync(dir)) continue;
    for (const module of readdirSync(dir).sort()) {
      const moduleDir = path.join(dir, module);
      if (!statSync(moduleDir).isDirectory()) continue;
      for (const file of cppFiles(moduleDir)) {
        const source = readFileSync(file, "utf8");
        for (const pattern of patterns) {
          for (const match of source.matchAll(pattern)) {
            if (!found.has(match[1])) found.set(match[1], `module ${module} (${base}/${module})`);
          }
        }
      }
    }
  }
  return found;
}

function cppFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "tests") out.push(...cppFiles(full));
    } else if (entry.name.endsWith(".cpp") || entry.name.endsWith(".hpp")) {
      out.push(full);
    }
  }
  return out;
}

// The MODULES line of wrangler.toml ([vars]), or null.
function modulesVar(root) {
  const toml = path.join(root, "wrangler.toml");
  if (!existsSync(toml)) return null;
  const match = readFileSync(toml, "utf8").match(/^\s*MODULES\s*=\s*"([^"]*)"/m);
  return match ? match[1] : null;
}

// ----------------------------------------------------------------- the files

// Every file of the module, as {relative path: text}.
export function moduleFiles(name, { migration = false, cron = null } = {}) {
  const ns = `${name}_module`;
  const table = `${name}_uses`;
  const files = {};

  files[`${name}_text.hpp`] = `// The text side of ${name}, kept apart from the handlers so that a unit test
// needs no Worker (tests/${name}_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ${ns} {

// "#3", or "#3: text" when /${name} came with text.
std::string answer(std::int64_t count, std::string_view text);

}  // namespace ${ns}
`;

  files[`${name}_text.cpp`] = `#include "${name}/${name}_text.hpp"

namespace ${ns} {

std::string answer(std::int64_t count, std::string_view text) {
  std::string out = "#" + std::to_string(count);
  if (!text.empty()) out += ": " + std::string(text);
  return out;
}

}  // namespace ${ns}
`;

  const storeNote = migration
      ? `// The count lives in D1 (migrations/0001_create_uses.sql): one upsert that
// returns the new count, so two updates at once never lose one.`
      : `// The count lives in KV under "${name}:count:<chat id>" (KV allows one write
// per second per key: fine for a counter people type by hand).`;
  const rowType = migration
      ? `struct Uses {
  std::int64_t uses = 0;
};
MITI_FIELDS(Uses, uses)

`
      : "";
  const countCode = migration
      ? `  Uses counted = co_await ctx.sql().one<Uses>(
      "INSERT INTO ${table} (chat_id, uses) VALUES (?1, 1)"
      " ON CONFLICT (chat_id) DO UPDATE SET uses = uses + 1 RETURNING uses",
      ctx.chat().id);
  co_await ctx.reply(${ns}::answer(counted.uses, miti::trim(ctx.args())));`
      : `  const std::string key = "count:" + std::to_string(ctx.chat().id);
  std::optional<std::string> stored = co_await ctx.db().get(key);
  const std::int64_t count = (stored ? std::stoll(*stored) : 0) + 1;
  co_await ctx.db().put(key, std::to_string(count));
  co_await ctx.reply(${ns}::answer(count, miti::trim(ctx.args())));`;
  const cronCode = cron
      ? `
// The "tick" cron: records when it last ran (KV "${name}:last_tick").
Task<void> record_tick(const miti::CronEvent& event, miti::ModuleContext& ctx) {
  co_await ctx.db().put("last_tick", miti::iso8601_utc(event.scheduled_time_ms));
  ctx.log().info("${name} tick");
}
`
      : "";
  const cronField = cron ? `\n      .crons = {{"tick", ${JSON.stringify(cron)}, record_tick}},` : "";

  files[`${name}.cpp`] = `// ${name}: /${name} [text] counts its uses in this chat and echoes the text.
// Generated by \`npm run new-module\`; see README.md and docs/adding-a-module.md.
#include <miti/miti.hpp>

#include "${name}/${name}_text.hpp"

namespace {

using miti::Context;
using miti::Task;

${rowType}${storeNote}
Task<void> on_${name}(Context& ctx) {
${countCode}
}
${cronCode}
}  // namespace

MITI_MODULE(${name}) {
  using miti::Visibility;
  return {
      .commands = {{.name = "${name}",
                    .visibility = Visibility::kPublic,
                    .description = "Count and echo: /${name} [text]",
                    .handler = on_${name}}},${cronField}
  };
}
`;

  if (migration) {
    files["migrations/0001_create_uses.sql"] = `-- How often /${name} was used, per chat (chat ids fit in 52 bits, so they
-- survive D1's doubles).
CREATE TABLE ${table} (
  chat_id INTEGER PRIMARY KEY,
  uses INTEGER NOT NULL
);
`;
  }

  const storage = migration
      ? `D1 table \`${table} (chat_id, uses)\`, created by
\`migrations/0001_create_uses.sql\` (\`npm run db:sync\` consolidates it into the
top-level \`migrations/\`). Needs the \`DB\` binding.`
      : `KV key \`${name}:count:<chat id>\`. No D1 table.`;
  files["README.md"] = `# ${name}

| command | visibility | what it does |
|---|---|---|
| \`/${name} [text]\` | public | counts how often \`/${name}\` was used in this chat and answers \`#<count>\`, or \`#<count>: <text>\` with text |
${cron ? `
Cron \`tick\` (\`${cron}\`, UTC): records when it last ran, as an ISO time in KV
key \`${name}:last_tick\`. Its schedule must be in \`wrangler.toml [triggers] crons\`:
\`npm run crons:sync\` writes it there.
` : ""}
Storage: ${storage}${cron ? ` The cron writes KV key \`${name}:last_tick\`.` : ""}

Tests: \`tests/${name}_test.cpp\` (native, Catch2) and \`tests/${name}.test.mjs\`
(workerd, through the test kit); see docs/testing-a-module.md.
`;

  files[`tests/${name}_test.cpp`] = nativeTest(name, { migration, cron });
  files[`tests/${name}.test.mjs`] = workerdTest(name, { migration, cron });
  return files;
}

function nativeTest(name, { migration, cron }) {
  const ns = `${name}_module`;
  // A scripted host answers the store calls the way KV or D1 would.
  const serve = migration
      ? `// Answers the upsert the way D1 would: one counter per chat (the first bind).
void serve_d1(miti_test::FakeHost& host, std::map<std::int64_t, std::int64_t>& uses) {
  host.auto_reply = [&uses](const miti_test::SubmittedOp& op) -> std::optional<miti_test::Reply> {
    if (op.op.at("op").as_string() != "d1.first") return miti_test::fail("unexpected op");
    std::int64_t count = ++uses[op.op.at("params").at(0).as_integer()];
    Json columns = Json::array();
    columns.push_back("uses");
    Json row = Json::array();
    row.push_back(count);
    Json rows = Json::array();
    rows.push_back(row);
    return ok(Json{{"columns", columns}, {"rows", rows}});
  };
}`
      : `// An in-memory KV answering every operation at once.
void serve_kv(miti_test::FakeHost& host, std::map<std::string, std::string>& kv) {
  host.auto_reply = [&kv](const miti_test::SubmittedOp& op) -> std::optional<miti_test::Reply> {
    const std::string kind = op.op.at("op").as_string();
    if (kind == "kv.put") {
      kv[op.op.at("key").as_string()] = op.op.at("value").as_string();
      return ok();
    }
    if (kind == "kv.get") {
      auto it = kv.find(op.op.at("key").as_string());
      return it == kv.end() ? ok(nullptr) : ok(it->second);
    }
    return miti_test::fail("unexpected op");
  };
}`;
  const store = migration ? "std::map<std::int64_t, std::int64_t> uses;\n    serve_d1(h.host, uses);" : "std::map<std::string, std::string> kv;\n    serve_kv(h.host, kv);";
  // What the child reports: the replies, then (KV) the keys it wrote.
  const kvKeys = migration ? "" : `\n    for (const auto& [key, value] : kv) texts += key + ",";`;
  const expected = migration ? "#1|#2: hi|#1|" : `#1|#2: hi|#1|${name}:count:42,${name}:count:43,`;
  return `// The native tests of ${name}: its text rule, its declaration (the
// registry's checks${cron ? ", the cron schedule included" : ""}), and the command through the Worker
// with a scripted host. Built into the unit tests (ctest); see
// docs/testing-a-module.md.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "${name}/${name}_text.hpp"
#include "fake_host.hpp"
#include "isolated.hpp"
#include "registry/module_index.hpp"
#include "registry/registry.hpp"
#include "worker_harness.hpp"

namespace {

using miti::Json;
using miti_test::command_update;
using miti_test::ok;
using miti_test::run_isolated;
using miti_test::WorkerHarness;

${serve}

}  // namespace

TEST_CASE("${name}: the answer is the count, and the text when there is one", "[${name}]") {
  CHECK(${ns}::answer(1, "") == "#1");
  CHECK(${ns}::answer(12, "hello there") == "#12: hello there");
}

TEST_CASE("${name}: the module passes the registry's checks", "[${name}]") {
  CHECK_NOTHROW(miti::registry::Registry::build(miti::registry::compiled_modules(), "${name}"));
}

TEST_CASE("${name}: /${name} counts per chat through the Worker", "[modules][${name}]") {
  // A forked child: a crash fails this test, not the whole suite.
  std::string out = run_isolated([] {
    WorkerHarness h(miti::registry::compiled_modules(), {{"MODULES", "${name}"}});
    ${store}
    h.webhook(1, command_update(1, 42, "/${name}"));
    h.webhook(2, command_update(2, 42, "/${name} hi"));
    h.webhook(3, command_update(3, 43, "/${name}"));
    std::string texts;
    for (const miti_test::Response& response : h.host.responses) {
      texts += response.json().at("text").as_string() + "|";
    }${kvKeys}
    return texts;
  });
  // The replies in order (chat 42 twice, then chat 43)${migration ? "" : `, then the KV keys: the\n  // module's own, prefixed "${name}:" by the store`}.
  CHECK(out == "${expected}");
}
${cron ? cronCase(name, cron) : ""}`;
}

// The example time the cron tests fire at, and what the cron stores for it.
const TICK_TIME = "2026-05-01T10:00:00.000Z";

function cronCase(name, cron) {
  return `
TEST_CASE("${name}: the tick cron records when it ran", "[modules][${name}]") {
  std::string out = run_isolated([] {
    WorkerHarness h(miti::registry::compiled_modules(), {{"MODULES", "${name}"}});
    h.host.auto_reply = [](const miti_test::SubmittedOp&) -> std::optional<miti_test::Reply> {
      return ok();
    };
    h.worker.start_scheduled(1, WorkerHarness::kEnv, ${JSON.stringify(cron)}, ${Date.parse(TICK_TIME)});  // ${TICK_TIME}
    return h.host.ops.at(0).op.dump() + "\\n" + h.host.responses.at(0).body;
  });
  INFO("child: " << out);
  REQUIRE(out.find('\\n') != std::string::npos);
  Json put = Json::parse(out.substr(0, out.find('\\n')));
  CHECK(put.at("op") == "kv.put");
  CHECK(put.at("key") == "${name}:last_tick");
  CHECK(put.at("value") == "${TICK_TIME}");
  Json summary = Json::parse(out.substr(out.find('\\n') + 1));
  CHECK(summary.at("ran") == 1);
  CHECK(summary.at("failed") == 0);
}
`;
}

function workerdTest(name, { migration, cron }) {
  const guard = migration
      ? `
    // The table comes from the top-level migrations/: \`npm run db:sync\` puts
    // modules/${name}/migrations/ there.
    const tables = await bot.sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${name}_uses'");
    assert.equal(tables.length, 1, "${name}_uses is missing: run \`npm run db:sync\` (and commit migrations/)");`
      : "";
  const cleanup = migration ? `\n  beforeEach(async () => {\n    await bot.sql("DELETE FROM ${name}_uses");\n  });\n` : "";
  const storeTest = migration
      ? `  test("the counts are rows of ${name}_uses, one per chat", async () => {
    await bot.send("/${name}");
    await bot.send("/${name}");
    await bot.send("/${name}", { chat: GROUP_CHAT });
    assert.deepEqual(await bot.sql("SELECT chat_id, uses FROM ${name}_uses ORDER BY chat_id"), [
      { chat_id: GROUP_CHAT.id, uses: 1 },
      { chat_id: PRIVATE_CHAT.id, uses: 2 },
    ]);
  });`
      : `  test("the count is the module's KV key ${name}:count:<chat>", async () => {
    const kv = await bot.kv();
    const before = Number((await kv.get(\`${name}:count:\${PRIVATE_CHAT.id}\`)) ?? 0);
    await bot.send("/${name}");
    assert.equal(await kv.get(\`${name}:count:\${PRIVATE_CHAT.id}\`), String(before + 1));
  });`;
  const countTest = migration
      ? `  test("/${name} counts its uses per chat and echoes the text", async () => {
    assert.deepEqual((await bot.send("/${name}")).replies, ["#1"]);
    assert.deepEqual((await bot.send("/${name} hello there")).replies, ["#2: hello there"]);
    assert.deepEqual((await bot.send("/${name}", { chat: GROUP_CHAT })).replies, ["#1"]);
  });`
      : `  test("/${name} counts its uses per chat and echoes the text", async () => {
    // A fresh bot per file: KV starts empty.
    assert.deepEqual((await bot.send("/${name}", { chat: GROUP_CHAT })).replies, ["#1"]);
    assert.deepEqual((await bot.send("/${name} hello there", { chat: GROUP_CHAT })).replies, ["#2: hello there"]);
  });`;
  const cronTest = cron
      ? `

  test("the tick cron records when it ran", async () => {
    const time = Date.parse("${TICK_TIME}");
    const ran = await bot.cron(${JSON.stringify(cron)}, { time });
    assert.equal(ran.status, 200);
    assert.equal(await (await bot.kv()).get("${name}:last_tick"), new Date(time).toISOString());
  });`
      : "";
  return `// ${name} end to end in workerd: the real Worker (shim + wasm) with
// Miniflare's KV and D1${migration ? " (migrations applied as wrangler would)" : ""}, driven through the test kit.
// Needs the wasm test build (bash scripts/build.sh wasm); see docs/testing-a-module.md.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GROUP_CHAT, PRIVATE_CHAT, startBot } from "../../../testkit/index.mjs";

describe("${name}", () => {
  let bot;
  before(async () => {
    bot = await startBot({ modules: "util,${name}" });${guard}
  });
  after(async () => {
    await bot?.dispose();
  });
${cleanup}
${countTest}

${storeTest}

  test("/help lists /${name}", async () => {
    const help = (await bot.send("/help")).replies.join("\\n");
    assert.match(help, /\\/${name}\\b/);
  });${cronTest}
});
`.replace("import { after, before, beforeEach, describe, test }", migration ? "import { after, before, beforeEach, describe, test }" : "import { after, before, describe, test }");
}

// ------------------------------------------------------------------ the CLI

// argv as given to the script. `env`: `npm run new-module greet --migration`
// (without `--`) hands the flags to npm, which keeps them as npm_config_*
// variables and passes only their values on: they are taken back from there.
export function parseArgs(argv, env = {}) {
  const options = { name: null, migration: false, cron: null, dir: DEFAULT_ROOT };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--migration") options.migration = true;
    else if (arg === "--cron" || arg === "--dir") {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      options[arg.slice(2)] = argv[++i];
    } else if (arg.startsWith("--cron=")) options.cron = arg.slice("--cron=".length);
    else if (arg.startsWith("--dir=")) options.dir = arg.slice("--dir=".length);
    else if (arg === "-h" || arg === "--help") options.help = true;
    else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (env.npm_lifecycle_event === "new-module") {
    if (env.npm_config_migration === "true") options.migration = true;
    const swallowed = ["cron", "dir"].filter((k) => env[`npm_config_${k}`] !== undefined && options[k] === (k === "dir" ? DEFAULT_ROOT : null));
    if (swallowed.length === 1 && positional.length === 2) options[swallowed[0]] = positional.pop();
    else if (swallowed.length > 0) {
      throw new Error(`npm took --${swallowed.join(" and --")} for itself: put \`--\` before the arguments, e.g. npm run new-module -- greet --cron "0 3 * * *"`);
    }
  }
  if (positional.length > 1) throw new Error(`one module name only (got ${positional.map((p) => `'${p}'`).join(", ")})`);
  options.name = positional[0] ?? null;
  return options;
}

// Generates the module; returns the lines to print, or throws an Error with
// the reason it refused.
export function newModule({ name, migration = false, cron = null, dir = DEFAULT_ROOT }) {
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, "modules"))) throw new Error(`${root} has no modules/ folder: is it a miti project?`);
  const problem = nameProblem(name);
  if (problem) throw new Error(problem);
  for (const base of ["modules", "tests/modules"]) {
    if (existsSync(path.join(root, base, name))) throw new Error(`${base}/${name} already exists: the name '${name}' is taken`);
  }
  const commands = declaredCommands(root);
  if (commands.has(name)) {
    throw new Error(`/${name} is already a command of ${commands.get(name)}; commands share one namespace across modules, pick another name`);
  }
  if (cron !== null) {
    const cronIssue = cronProblem(cron);
    if (cronIssue) throw new Error(`invalid --cron: ${cronIssue}`);
    cron = cron.trim().split(/[ \t]+/).join(" ");
  }

  const moduleDir = path.join(root, "modules", name);
  const files = moduleFiles(name, { migration, cron });
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(moduleDir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: "wx" });
  }

  // The templates are written in the project's style; clang-format settles
  // what a long name changes (line breaks), so \`npm test\`'s format check passes.
  const cppFiles = Object.keys(files).filter((f) => /\.(cpp|hpp)$/.test(f)).map((f) => path.join(moduleDir, f));
  const formatted = spawnSync("clang-format", ["-i", "--style=file", ...cppFiles], { cwd: root, stdio: "ignore" });
  const formatNote = formatted.error || formatted.status !== 0;

  const current = modulesVar(root);
  const steps = [];
  steps.push(
    current === null
      ? `add ${name} to MODULES in wrangler.toml ([vars])`
      : `add it to MODULES in wrangler.toml: MODULES = "${current ? `${current},` : ""}${name}"`,
  );
  if (formatNote) steps.push("npm run format         # clang-format the generated C++ (clang-format was not found)");
  if (migration) steps.push("npm run db:sync        # consolidate the migration into migrations/ (commit both)");
  if (cron) steps.push(`npm run crons:sync     # put "${cron}" into wrangler.toml [triggers] crons (and check it with the real parser)`);
  steps.push("npm test               # builds it and runs its tests (tests/ in the module folder)");
  steps.push(`npm start              # try /${name} in the chat console`);
  return [
    `new-module: created modules/${name}/`,
    ...Object.keys(files).map((f) => `  modules/${name}/${f}`),
    "Next steps:",
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    "See docs/adding-a-module.md and docs/testing-a-module.md.",
  ];
}

function main(argv) {
  let options;
  try {
    options = parseArgs(argv, process.env);
  } catch (error) {
    console.error(`new-module: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.name === null) {
    console.error(`new-module: a module name is required\n${USAGE}`);
    return 2;
  }
  try {
    for (const line of newModule(options)) console.log(line);
    return 0;
  } catch (error) {
    console.error(`new-module: ${error.message}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
