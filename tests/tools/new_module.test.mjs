// npm run new-module (scripts/new-module.mjs): what it refuses, what it
// writes, and that what it writes compiles and passes its own tests.
//
// Every case generates into a scratch copy of the project (`--dir`), never
// into modules/. Compiling is the expensive part, so it reuses the build npm
// test has just made instead of building the tree again:
//  - native (always): the generated module and its Catch2 test are compiled
//    with the unit tests' exact flags (and precompiled header) from
//    build/native, linked with its libmiti_core.a and Catch2's main, and run.
//    A few seconds per module; a rebuild of the native tree would take minutes.
//  - workerd (always when build/wasm exists): two generated modules (KV and
//    cron, D1) are compiled with the wasm build's exact flags and linked into
//    one test Worker with the link command CMake wrote for miti-test.wasm
//    (every module's objects plus a module index that lists the new ones);
//    then their generated *.test.mjs run against it in the copy, through the
//    test kit. The link optimises at -O1, not -Oz (half the time of the LTO
//    link). About 25 s.
//  - MITI_SLOW_TESTS=1 adds the end to end a user goes through: the printed
//    next steps (MODULES, db:sync, crons:sync) in the copy, `bash
//    scripts/build.sh native wasm` there from scratch (about 2.5 minutes on
//    two cores), the consistency checks, ctest and the generated workerd test.
//  Each skips, saying why, when the build it reuses is missing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../scripts/lib/project.mjs";
import { parseArgs } from "../../scripts/new-module.mjs";

const SCRIPT = path.join(ROOT, "scripts/new-module.mjs");
const NATIVE = path.join(ROOT, "build/native");
const WASM = path.join(ROOT, "build/wasm");
const SLOW = process.env.MITI_SLOW_TESTS === "1";

// ------------------------------------------------------------------ helpers

// A copy of the project's tracked files (what a fresh clone has), with
// node_modules linked in for the test kit.
function copyProject(t) {
  const dir = mkdtempSync(path.join(tmpdir(), "miti-new-module-"));
  // MITI_KEEP_TMP=1 keeps the copies, to look at what failed.
  if (process.env.MITI_KEEP_TMP === "1") t.diagnostic(`copy kept: ${dir}`);
  else t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    if (!existsSync(path.join(ROOT, file))) continue;  // deleted in the work tree
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(dir, file));
  }
  if (existsSync(path.join(ROOT, "node_modules"))) symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function newModule(dir, ...args) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args, "--dir", dir], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

// Runs a command; resolves {status, out} (stdout and stderr together).
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (status) => resolve({ status, out }));
  });
}

async function mustRun(command, args, options) {
  const result = await run(command, args, options);
  assert.equal(result.status, 0, `${command} ${args.join(" ")}\n${result.out}`);
  return result.out;
}

// The module index CMake generates (cmake/MitiModules.cmake), for `names`.
function moduleIndex(names) {
  return `#include "registry/module_index.hpp"
${names.map((n) => `::miti::ModuleDefinition miti_module_${n}();`).join("\n")}
namespace miti::registry {
namespace {
const ModuleEntry kModules[] = {
${names.map((n) => `    {"${n}", &miti_module_${n}},`).join("\n")}
};
}  // namespace
std::span<const ModuleEntry> compiled_modules() { return std::span<const ModuleEntry>(kModules); }
}  // namespace miti::registry
`;
}

// A compile_commands.json entry's command as argv, without -o/-c and their files.
function compileFlags(entry) {
  const argv = entry.arguments ?? entry.command.match(/(?:[^\s"]+|"[^"]*")+/g).map((a) => a.replace(/^"|"$/g, ""));
  const flags = [];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === "-o" || argv[i] === "-c") i++;
    else flags.push(argv[i]);
  }
  return { compiler: argv[0], flags };
}

function compileCommands(buildDir) {
  const file = path.join(buildDir, "compile_commands.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

const nativeReady = () =>
  existsSync(path.join(NATIVE, "compile_commands.json")) &&
  existsSync(path.join(NATIVE, "libmiti_core.a")) &&
  existsSync(path.join(NATIVE, "build.ninja")) &&
  existsSync(path.join(NATIVE, "tests/unit/miti_unit_tests"));

// The words of the last command `ninja -t commands <target>` lists in `buildDir`: the target's
// link, written `: && <link> && :` by CMake (post-build steps joined with && too); the part
// that matches `pattern`.
function linkCommand(buildDir, target, pattern) {
  const commands = execFileSync("ninja", ["-C", buildDir, "-t", "commands", target], { encoding: "utf8" }).trim().split("\n");
  const link = commands.at(-1).split(" && ").find((part) => pattern.test(part));
  assert.ok(link, `no link of ${target} in ${buildDir}/build.ninja:\n${commands.at(-1)}`);
  return words(link);
}

// What gives the unit tests Catch2's main(): Debian's prebuilt libCatch2WithMain.a, or the
// main.cpp object tests/unit/CMakeLists.txt compiles without it.
function catchMain() {
  const main = linkCommand(NATIVE, "miti_unit_tests", / -o tests\/unit\/miti_unit_tests\b/).find((w) => /(libCatch2WithMain\.a|main\.cpp\.o)$/.test(w));
  assert.ok(main, "the unit tests' link names no Catch2 main");
  return path.resolve(NATIVE, main);
}
const wasmReady = () =>
  existsSync(path.join(WASM, "compile_commands.json")) &&
  existsSync(path.join(WASM, "build.ninja")) &&
  existsSync(path.join(WASM, "miti-test.wasm"));

// Compiles the generated module `name` (in the copy `dir`) and its Catch2
// tests with build/native's flags, links them with the built core and runs
// them. Returns the test binary's output; throws when a step fails.
async function nativeModuleTests(dir, name) {
  const commands = compileCommands(NATIVE);
  const find = (suffix) => commands.find((e) => e.file.endsWith(suffix));
  // The unit tests' flags (precompiled header included) and a module's flags,
  // pointed at the copy's modules/ first.
  const testEntry = find("/modules/notes/tests/notes_test.cpp");
  const moduleEntry = find("/modules/notes/notes.cpp");
  assert.ok(testEntry && moduleEntry, "build/native/compile_commands.json lacks the notes entries");
  const copyModules = `-I${path.join(dir, "modules")}`;
  const out = path.join(dir, "build-new-module");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "index.cpp"), moduleIndex([name]));

  const moduleDir = path.join(dir, "modules", name);
  const sources = readdirSync(moduleDir).filter((f) => f.endsWith(".cpp")).map((f) => path.join(moduleDir, f));
  const tests = readdirSync(path.join(moduleDir, "tests")).filter((f) => f.endsWith("_test.cpp")).map((f) => path.join(moduleDir, "tests", f));
  const jobs = [];
  const objects = [];
  const compile = (entry, source, extra = []) => {
    const { compiler, flags } = compileFlags(entry);
    const object = path.join(out, `${path.basename(source)}.${objects.length}.o`);
    objects.push(object);
    jobs.push(() => mustRun(compiler, [copyModules, ...flags, "-Werror", ...extra, "-c", source, "-o", object], { cwd: entry.directory }));
  };
  for (const source of sources) compile(moduleEntry, source);
  compile(moduleEntry, path.join(out, "index.cpp"));
  for (const source of tests) compile(testEntry, source);
  // Two at a time: the machine has two cores.
  for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((job) => job()));

  const binary = path.join(out, "tests");
  const { compiler } = compileFlags(testEntry);
  await mustRun(compiler, [
    "-g",
    catchMain(),
    ...objects,
    "-o", binary,
    path.join(NATIVE, "libmiti_core.a"),
    path.join(NATIVE, "tools/libmiti_tools_lib.a"),
    path.join(NATIVE, "libmiti_core.a"),
    path.join(NATIVE, "tools/libmiti_tools_base.a"),
  ]);
  return run(binary, []);
}

// Shell-like words of a command line: spaces split, double quotes group.
function words(line) {
  return line.trim().match(/(?:[^\s"]+|"[^"]*")+/g).map((w) => w.replace(/"/g, ""));
}

// The command CMake gave Ninja to link build/wasm's miti-test.js (+ .wasm), as words.
const testWorkerLink = () => linkCommand(WASM, "miti_test_worker", / -o miti-test\.js\b/);

// Builds the copy's build/wasm/miti-test.{mjs,wasm}: the generated modules
// compiled with build/wasm's flags for a module, a module index listing every
// module of the test Worker plus the new ones, and CMake's own link command for
// miti-test with those objects swapped in. Then the copy's test kit runs it.
async function wasmTestWorker(dir, newNames) {
  const commands = compileCommands(WASM);
  const moduleEntry = commands.find((e) => e.file.endsWith("/modules/notes/notes.cpp"));
  assert.ok(moduleEntry, "build/wasm/compile_commands.json lacks modules/notes/notes.cpp");
  const out = path.join(dir, "build-new-module-wasm");
  mkdirSync(out, { recursive: true });
  const indexSource = readFileSync(path.join(WASM, "generated/miti_test_module_index.cpp"), "utf8");
  const names = [...indexSource.matchAll(/\{"([a-z0-9_]+)", &miti_module_\1\}/g)].map((m) => m[1]);
  assert.ok(names.includes("util"), "could not read the test Worker's module index");
  writeFileSync(path.join(out, "index.cpp"), moduleIndex([...names, ...newNames]));

  const sources = [
    ...newNames.flatMap((name) => {
      const moduleDir = path.join(dir, "modules", name);
      return readdirSync(moduleDir).filter((f) => f.endsWith(".cpp")).map((f) => path.join(moduleDir, f));
    }),
    path.join(out, "index.cpp"),
  ];
  const { compiler, flags } = compileFlags(moduleEntry);
  const objects = sources.map((source, i) => path.join(out, `${path.basename(source)}.${i}.o`));
  const jobs = sources.map((source, i) => () => mustRun(compiler, [`-I${path.join(dir, "modules")}`, ...flags, "-Werror", "-c", source, "-o", objects[i]], { cwd: moduleEntry.directory }));
  for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((job) => job()));

  // CMake's link command for miti-test, with our objects in place of its module index.
  const target = path.join(dir, "build/wasm");
  mkdirSync(target, { recursive: true });
  // The link optimises at -O1 instead of the Worker's -Oz: the LTO link at -Oz is most of this
  // test's time (about 16 s against 8 s per link), and what is tested is the modules in a
  // Worker, not the size of the wasm.
  const link = testWorkerLink().flatMap((w, i, all) => {
    if (w === "-Oz") return ["-O1"];
    if (w.includes("miti_test_module_index")) return objects;
    if (all[i - 1] === "-o") return [path.join(target, path.basename(w))];  // miti-test.js (+ .wasm beside it)
    return [w];
  });
  assert.ok(objects.every((o) => link.includes(o)) && link.includes("-o") && link.includes("-O1"), `unexpected link command: ${link.join(" ")}`);
  await mustRun(link[0], link.slice(1), { cwd: WASM });
  assert.ok(existsSync(path.join(target, "miti-test.wasm")));
}

// Runs the generated *.test.mjs of the modules `names` inside the copy (its
// test kit, its migrations/, its build/wasm), with node's TAP reporter.
function moduleWorkerTests(dir, names) {
  const tests = names.flatMap((name) =>
    readdirSync(path.join(dir, "modules", name, "tests")).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join("modules", name, "tests", f)),
  );
  // Without NODE_TEST_CONTEXT, or the child node --test thinks it is nested in ours and runs nothing.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  return run(process.execPath, ["--test", "--test-reporter=tap", ...tests], { cwd: dir, env });
}

// db:sync in the copy, with this tree's native tool.
function dbSync(dir) {
  const tool = path.join(NATIVE, "tools/miti-migrations");
  return spawnSync(tool, ["sync", "--root", dir], { encoding: "utf8" });
}

// ------------------------------------------------------------------ refusals

describe("new-module refuses", () => {
  test("names the registry or C++ would not take, with exit code 1 and a reason", (t) => {
    const dir = copyProject(t);
    const cases = {
      Greet: /not a valid module name/,
      "1greet": /not a valid module name/,
      "greet-me": /not a valid module name/,
      "gr eet": /not a valid module name/,
      "é": /not a valid module name/,
      [`g${"x".repeat(32)}`]: /too long: at most 32/,
      greet__me: /double underscore/,
      greet_: /double underscore/,
      miti: /framework's own/,
    };
    for (const [name, message] of Object.entries(cases)) {
      const result = newModule(dir, name);
      assert.equal(result.status, 1, name);
      assert.match(result.stderr, message, name);
    }
    assert.deepEqual(readdirSync(path.join(dir, "modules")).sort(), readdirSync(path.join(ROOT, "modules")).filter((n) => existsSync(path.join(dir, "modules", n))).sort());
  });

  test("a name already taken: a module folder, a test module, or another module's command", (t) => {
    const dir = copyProject(t);
    for (const [name, message] of [
      ["notes", /modules\/notes already exists/],
      ["selftest", /tests\/modules\/selftest already exists/],
      ["help", /\/help is already a command of module util/],
      ["cancel", /\/cancel is already a command of the framework/],
      ["reminders", /\/reminders is already a command of module remind/],
    ]) {
      const result = newModule(dir, name);
      assert.equal(result.status, 1, name);
      assert.match(result.stderr, message, name);
    }
    assert.equal(existsSync(path.join(dir, "modules/help")), false);
  });

  test("an invalid cron schedule, saying what is wrong", (t) => {
    const dir = copyProject(t);
    for (const [schedule, message] of [
      ["", /empty/],
      ["* * * *", /has 4 fields; a cron schedule has five/],
      ["* * * * * *", /has 6 fields/],
      ["@daily", /@-macros/],
      ["61 * * * *", /minute field '61': 61 is outside 0-59/],
      ["0 24 * * *", /hour field/],
      ["0 0 * * 0", /1=SUN/],
      ["0 3 ? * *", /'\?' is not supported/],
      ["*/0 * * * *", /step 0/],
      ["every hour", /fields/],
      ["0 0 * FOO *", /month field 'FOO'/],
      ["0 0 1,* * *", /'\*' cannot be part of a list/],
    ]) {
      const result = newModule(dir, "ticker", "--cron", schedule);
      assert.equal(result.status, 1, schedule);
      assert.match(result.stderr, /invalid --cron/, schedule);
      assert.match(result.stderr, message, schedule);
      assert.equal(existsSync(path.join(dir, "modules/ticker")), false, schedule);
    }
  });

  test("usage mistakes, with exit code 2", (t) => {
    const dir = copyProject(t);
    for (const args of [[], ["a", "b"], ["a", "--cron"], ["a", "--frobnicate"]]) {
      const result = newModule(dir, ...args);
      assert.equal(result.status, 2, args.join(" "));
      assert.match(result.stderr, /usage: npm run new-module/);
    }
  });

  test("`npm run new-module greet --migration --cron ...` without `--`: the flags npm kept are taken back", () => {
    // npm keeps flags it is given before `--` as npm_config_* and passes only their values.
    const npm = { npm_lifecycle_event: "new-module" };
    assert.deepEqual(
      (({ name, migration, cron }) => ({ name, migration, cron }))(parseArgs(["greet", "0 3 * * *"], { ...npm, npm_config_migration: "true", npm_config_cron: "true" })),
      { name: "greet", migration: true, cron: "0 3 * * *" },
    );
    assert.throws(() => parseArgs(["greet", "0 3 * * *", "/tmp/x"], { ...npm, npm_config_cron: "true", npm_config_dir: "true" }), /put `--` before the arguments/);
    // With `--`, nothing is taken from npm.
    assert.equal(parseArgs(["greet", "--cron", "0 3 * * *"], { ...npm }).cron, "0 3 * * *");
    // Outside npm, npm_config_* variables mean nothing.
    assert.equal(parseArgs(["greet"], { npm_config_migration: "true" }).migration, false);
  });

  test("a --dir that is not a project", (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "miti-not-a-project-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const result = newModule(dir, "greet");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /has no modules\/ folder/);
  });
});

// ------------------------------------------------------------ what it writes

describe("new-module writes", () => {
  test("a KV module: sources, README, tests, and the next steps", (t) => {
    const dir = copyProject(t);
    const result = newModule(dir, "greet");
    assert.equal(result.status, 0, result.stderr);
    const moduleDir = path.join(dir, "modules/greet");
    assert.deepEqual(listFiles(moduleDir), ["README.md", "greet.cpp", "greet_text.cpp", "greet_text.hpp", "tests/greet.test.mjs", "tests/greet_test.cpp"]);
    const source = readFileSync(path.join(moduleDir, "greet.cpp"), "utf8");
    assert.match(source, /^MITI_MODULE\(greet\) \{$/m);
    assert.match(source, /\.name = "greet"/);
    assert.match(source, /co_await ctx\.db\(\)\.get\(key\)/);
    assert.doesNotMatch(source, /ctx\.sql\(\)|\.crons/);
    assert.match(readFileSync(path.join(moduleDir, "README.md"), "utf8"), /^# greet\n[\s\S]*`\/greet \[text\]`/);
    assert.match(readFileSync(path.join(moduleDir, "tests/greet.test.mjs"), "utf8"), /startBot\(\{ modules: "util,greet" \}\)/);
    assert.match(readFileSync(path.join(moduleDir, "tests/greet_test.cpp"), "utf8"), /TEST_CASE\("greet: /);

    const current = readFileSync(path.join(dir, "wrangler.toml"), "utf8").match(/^MODULES = "(.*)"/m)[1];
    assert.match(result.stdout, new RegExp(`MODULES = "${current},greet"`));
    assert.match(result.stdout, /npm test/);
    assert.doesNotMatch(result.stdout, /db:sync|crons:sync/);
    // A second run refuses and leaves the module as it was.
    const again = newModule(dir, "greet");
    assert.equal(again.status, 1);
    assert.match(again.stderr, /modules\/greet already exists/);
  });

  test("--migration: a D1 table named with the module's prefix, in a migration the checks accept", (t) => {
    const dir = copyProject(t);
    const result = newModule(dir, "tally", "--migration", "--cron", "0  9 * * MON-FRI");
    assert.equal(result.status, 0, result.stderr);
    const moduleDir = path.join(dir, "modules/tally");
    const migrations = readdirSync(path.join(moduleDir, "migrations"));
    assert.deepEqual(migrations, ["0001_create_uses.sql"]);
    // docs/using-d1.md: NNNN_description.sql, tables prefixed <module>_, a final ';', no BEGIN.
    assert.match(migrations[0], /^\d{4}_[a-z0-9_]+\.sql$/);
    const sql = readFileSync(path.join(moduleDir, "migrations", migrations[0]), "utf8");
    assert.match(sql, /CREATE TABLE tally_uses \(/);
    assert.match(sql.trim(), /;$/);
    assert.doesNotMatch(sql, /BEGIN|COMMIT/i);
    const source = readFileSync(path.join(moduleDir, "tally.cpp"), "utf8");
    assert.match(source, /ctx\.sql\(\)\.one<Uses>\(/);
    assert.match(source, /INSERT INTO tally_uses/);
    assert.match(source, /\.crons = \{\{"tick", "0 9 \* \* MON-FRI", record_tick\}\}/);
    assert.match(result.stdout, /npm run db:sync/);
    assert.match(result.stdout, /npm run crons:sync/);
    assert.match(result.stdout, /"0 9 \* \* MON-FRI"/);
  });

  test("C++ that clang-format leaves alone, even with a 32-character name", { skip: spawnSync("clang-format", ["--version"]).error ? "clang-format is not installed" : false }, (t) => {
    const dir = copyProject(t);
    const name = `m${"x".repeat(31)}`;
    assert.equal(newModule(dir, name, "--migration", "--cron", "*/15 * * * *").status, 0);
    assert.equal(newModule(dir, "short").status, 0);
    for (const module of [name, "short"]) {
      const files = listFiles(path.join(dir, "modules", module)).filter((f) => /\.(cpp|hpp)$/.test(f));
      const check = spawnSync("clang-format", ["--dry-run", "-Werror", "--style=file", ...files.map((f) => path.join(dir, "modules", module, f))], { cwd: dir, encoding: "utf8" });
      assert.equal(check.status, 0, check.stderr);
    }
  });
});

describe("docs/testing-a-module.md", () => {
  test("shows the generated tests exactly as new-module writes them", (t) => {
    const doc = readFileSync(path.join(ROOT, "docs/testing-a-module.md"), "utf8");
    const blocks = [...doc.matchAll(/<!-- generated: (\w+) --cron "([^"]*)": (\S+) -->\n```\w+\n([\s\S]*?)\n```/g)];
    assert.equal(blocks.length, 2, "the two generated test files");
    const dir = copyProject(t);
    const [, name, cron] = blocks[0];
    assert.equal(newModule(dir, name, "--cron", cron).status, 0);
    for (const [, , , file, shown] of blocks) {
      assert.equal(shown + "\n", readFileSync(path.join(dir, "modules", name, file), "utf8"), `${file}: regenerate the block in docs/testing-a-module.md`);
    }
  });
});

// ------------------------------------------------------- it builds and passes

describe("the generated module compiles and passes its tests", () => {
  const skipNative = nativeReady() ? false : "build/native is missing: run `bash scripts/build.sh native` first";

  test("native: KV and cron", { skip: skipNative, timeout: 300_000 }, async (t) => {
    const dir = copyProject(t);
    assert.equal(newModule(dir, "greet", "--cron", "*/5 * * * *").status, 0);
    const result = await nativeModuleTests(dir, "greet");
    assert.equal(result.status, 0, result.out);
    assert.match(result.out, /All tests passed \(\d+ assertions in 4 test cases\)/);
  });

  test("native: D1, with a name that is a C++ keyword", { skip: skipNative, timeout: 300_000 }, async (t) => {
    const dir = copyProject(t);
    assert.equal(newModule(dir, "delete", "--migration").status, 0);
    const result = await nativeModuleTests(dir, "delete");
    assert.equal(result.status, 0, result.out);
    assert.match(result.out, /All tests passed \(\d+ assertions in 3 test cases\)/);
  });

  test("native: a schedule the light check lets through is caught by the generated test", { skip: skipNative, timeout: 300_000 }, async (t) => {
    // 30 February passes new-module's syntactic check; the real parser (run
    // by the registry in the generated test, and by crons:sync) refuses it.
    const dir = copyProject(t);
    assert.equal(newModule(dir, "leap", "--cron", "0 0 30 2 *").status, 0);
    const result = await nativeModuleTests(dir, "leap");
    assert.notEqual(result.status, 0, result.out);
    assert.match(result.out, /module 'leap', cron 'tick'/);
  });
});

describe("the generated workerd tests pass against a Worker with the modules linked in", () => {
  const skip = !wasmReady() ? "build/wasm is missing: run `bash scripts/build.sh wasm` first" : !nativeReady() ? "build/native is missing (db:sync needs its tool)" : false;

  // Both kinds of module in one Worker (one LTO link, one Miniflare per test
  // file): a KV module with a cron, and a D1 module after db:sync.
  test("KV and cron, and D1 (after db:sync)", { skip, timeout: 600_000 }, async (t) => {
    const dir = copyProject(t);
    assert.equal(newModule(dir, "greet", "--cron", "0 8 * * *").status, 0);
    assert.equal(newModule(dir, "tally", "--migration").status, 0);
    const synced = dbSync(dir);
    assert.equal(synced.status, 0, synced.stdout + synced.stderr);
    assert.ok(readdirSync(path.join(dir, "migrations")).some((f) => /_tally_0001_create_uses\.sql$/.test(f)), "db:sync consolidated the migration");
    await wasmTestWorker(dir, ["greet", "tally"]);
    const result = await moduleWorkerTests(dir, ["greet", "tally"]);
    assert.equal(result.status, 0, result.out);
    // greet's 4 tests and tally's 3, each file's own suite.
    assert.match(result.out, /# pass 7\b/);
    assert.match(result.out, /# fail 0\b/);
    assert.match(result.out, /^ok \d+ - .*greet/m);
    assert.match(result.out, /^ok \d+ - .*tally/m);
  });
});

describe("end to end in a fresh copy, following the printed next steps (MITI_SLOW_TESTS=1)", () => {
  // A from-scratch native and wasm build of the copy: about 2.5 minutes of both
  // cores (measured alone: 149 s), on top of every `npm test`, while the other test
  // files run beside it. What it adds over the tests above: CMake discovering
  // the folder, the full unit suite and the consistency checks with the
  // module in, and crons:sync with the real cron parser.
  const skip = SLOW ? false : "set MITI_SLOW_TESTS=1 (builds a copy of the project from scratch, ~2.5 min)";

  test("new-module, MODULES, build, db:sync, crons:sync, checks, unit tests, workerd test", { skip, timeout: 1_800_000 }, async (t) => {
    const dir = copyProject(t);
    const made = newModule(dir, "greet", "--migration", "--cron", "0 8 * * *");
    assert.equal(made.status, 0, made.stderr);
    // 1. the MODULES line it printed
    const line = made.stdout.match(/MODULES = "[^"]*"/)[0];
    const toml = path.join(dir, "wrangler.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace(/^MODULES = "[^"]*"/m, line));
    await mustRun("bash", ["scripts/build.sh", "native", "wasm"], { cwd: dir });
    // 2. db:sync and crons:sync (the scripts without their setup/build prefix: built above)
    await mustRun(process.execPath, ["scripts/db-sync.mjs"], { cwd: dir });
    await mustRun(process.execPath, ["scripts/crons-sync.mjs"], { cwd: dir });
    // The schedule, named after its cron: in the list of triggers, or (past the trigger budget,
    // as with the framework's miti.trim here) in the comment under the one "* * * * *" trigger.
    assert.match(readFileSync(toml, "utf8"), /0 8 \* \* \*.*greet\.tick/);
    for (const check of ["migrations", "crons", "format"]) await mustRun("bash", [`scripts/checks/${check}.sh`], { cwd: dir });
    // 3. npm test's parts: every unit test (the module's among them), then its workerd test
    const unit = await mustRun("ctest", ["--preset", "native"], { cwd: dir });
    assert.match(unit, /100% tests passed/);
    // (Catch2 v2 exits with the number of tests it listed.)
    const { out: listed } = await run(path.join(dir, "build/native/tests/unit/miti_unit_tests"), ["--list-test-names-only", "[greet]"]);
    assert.equal(listed.split("\n").filter((l) => l.startsWith("greet: ")).length, 4, listed);
    const worker = await moduleWorkerTests(dir, ["greet"]);
    assert.equal(worker.status, 0, worker.out);
    assert.match(worker.out, /# pass 4\b/);
  });
});
