// The build scripts' own logic: scripts/lib/cmake-tree.sh's configure_tree (which every script
// that configures a CMake tree goes through), scripts/setup.sh's arguments, and the node test
// runner scripts/test.sh uses (scripts/lib/run-node-tests.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../scripts/lib/project.mjs";

const LIB = path.join(ROOT, "scripts/lib/cmake-tree.sh");

// A CMake project without languages: configuring it takes a fraction of a second.
function tinyProject(t) {
  const dir = mkdtempSync(path.join(tmpdir(), "miti-cmake-tree-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "src/CMakeLists.txt"), "cmake_minimum_required(VERSION 3.24)\nproject(tiny NONE)\n");
  return dir;
}

// configure_tree DIR ARGS... in bash, with the library sourced.
function configureTree(dir, ...args) {
  return spawnSync("bash", ["-c", 'source "$0"; configure_tree "$@"', LIB, dir, ...args], { encoding: "utf8" });
}

function cmake(...args) {
  const result = spawnSync("cmake", args, { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout + result.stderr);
}

test("configure_tree: a tree made for make is removed and configured afresh for Ninja", (t) => {
  const dir = tinyProject(t);
  const tree = path.join(dir, "build");
  cmake("-S", path.join(dir, "src"), "-B", tree, "-G", "Unix Makefiles");
  writeFileSync(path.join(tree, "left-over"), "");
  const result = configureTree(tree, "-S", path.join(dir, "src"), "-B", tree, "-G", "Ninja");
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /build\/? was configured for another generator; configuring it afresh for Ninja/);
  assert.equal(existsSync(path.join(tree, "left-over")), false, "the old tree was removed");
  assert.ok(existsSync(path.join(tree, "build.ninja")));
});

test("configure_tree: a Ninja tree is left as it is; a tree without a cache is configured", (t) => {
  const dir = tinyProject(t);
  const tree = path.join(dir, "build");
  const first = configureTree(tree, "-S", path.join(dir, "src"), "-B", tree, "-G", "Ninja");
  assert.equal(first.status, 0, first.stderr);
  assert.ok(existsSync(path.join(tree, "build.ninja")));
  writeFileSync(path.join(tree, "kept"), "");
  // Arguments that would fail: not run, since the tree is configured already.
  const again = configureTree(tree, "-S", path.join(dir, "no-such-source"), "-B", tree, "-G", "Ninja");
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr, "");
  assert.ok(existsSync(path.join(tree, "kept")));
});

test("configure_tree: a failing configure shows CMake's output and fails", (t) => {
  const dir = tinyProject(t);
  const tree = path.join(dir, "build");
  const result = configureTree(tree, "-S", path.join(dir, "no-such-source"), "-B", tree, "-G", "Ninja");
  assert.equal(result.status, 1);
  assert.match(result.stderr, /no-such-source/);
  assert.equal(existsSync(path.join(tree, "CMakeCache.txt")), false);
});

test("setup.sh: unknown arguments, or --debian with --npm, get the usage and exit 2", () => {
  for (const args of [["--bogus"], ["--debian", "--npm"], ["--quiet", "extra"]]) {
    const result = spawnSync("bash", [path.join(ROOT, "scripts/setup.sh"), ...args], { encoding: "utf8" });
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, /usage: scripts\/setup\.sh \[--quiet\] \[--debian \| --npm\]/, args.join(" "));
  }
});

test("run-node-tests: a test file that leaves a server open still ends once its tests have", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "miti-run-node-tests-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "open.test.mjs");
  // As a Miniflare whose dispose() has resolved but whose workerd still runs: a handle keeps
  // the process alive after every test and hook is done.
  writeFileSync(
    file,
    'import { test, after } from "node:test";\nimport http from "node:http";\n' +
      'after(() => { http.createServer().listen(0); });\ntest("passes", () => {});\n',
  );
  // Without NODE_TEST_CONTEXT, which `node --test` sets for the files it runs: the runner
  // below would take itself for one of them and run nothing.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const result = spawnSync("node", [path.join(ROOT, "scripts/lib/run-node-tests.mjs"), "--concurrency", "1", file], {
    encoding: "utf8",
    env,
    timeout: 30_000,
  });
  assert.equal(result.signal, null, `the runner was still waiting after 30 s:\n${result.stdout}`);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /pass 1/);
});
