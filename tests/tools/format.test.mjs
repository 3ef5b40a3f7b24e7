// scripts/checks/format.sh (run by npm test) and `npm run format` look at what
// CI will see: tracked C++ files and untracked ones git does not ignore, so a
// new module that is not committed yet is checked too. Each test builds its
// own scratch git repository holding the project's .clang-format, the check
// script and package.json (for `npm run format`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../scripts/lib/project.mjs";

const CLEAN = "int answer() {\n  return 42;\n}\n";
const MESSY = "int   answer( )\n{\n    return 42 ;}\n";

function run(cwd, command, args) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (result.error) throw result.error;
  return { status: result.status, out: result.stdout + result.stderr, stderr: result.stderr };
}

function git(cwd, ...args) {
  const result = run(cwd, "git", ["-c", "user.name=miti test", "-c", "user.email=test@miti.invalid", "-c", "commit.gpgsign=false", ...args]);
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.out}`);
}

function write(root, name, content) {
  mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
  writeFileSync(path.join(root, name), content);
}

// A scratch repository with one committed, clean module and the project's
// formatting rules and scripts; `t.after` removes it.
function scratchRepo(t) {
  const root = mkdtempSync(path.join(tmpdir(), "miti-format-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const file of [".clang-format", ".gitignore", "package.json", "scripts/checks/format.sh"]) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(root, file));
  }
  write(root, "modules/util/util.cpp", CLEAN);
  git(root, "init", "-q");
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "scratch");
  return root;
}

const check = (root) => run(root, "bash", ["scripts/checks/format.sh"]);

test("format check: a committed, clean tree passes", (t) => {
  const root = scratchRepo(t);
  const result = check(root);
  assert.equal(result.status, 0, result.out);
  assert.match(result.out, /1 C\+\+ files are clang-format clean/);
});

test("format check: an untracked, badly formatted module fails naming it; npm run format fixes it", (t) => {
  const root = scratchRepo(t);
  write(root, "modules/newmod/newmod.cpp", MESSY);
  write(root, "modules/newmod/newmod.hpp", "int answer();\n");

  const failed = check(root);
  assert.equal(failed.status, 1, failed.out);
  assert.match(failed.stderr, /^modules\/newmod\/newmod\.cpp$/m);
  assert.ok(!failed.stderr.includes("newmod.hpp"), `only the bad file is named:\n${failed.stderr}`);
  assert.ok(!failed.stderr.includes("util.cpp"), failed.stderr);
  assert.match(failed.stderr, /npm run format/);

  const fixed = run(root, "npm", ["run", "--silent", "format"]);
  assert.equal(fixed.status, 0, fixed.out);
  assert.match(fixed.out, /formatted modules\/newmod\/newmod\.cpp/);
  assert.equal(readFileSync(path.join(root, "modules/newmod/newmod.cpp"), "utf8"), CLEAN);

  const passed = check(root);
  assert.equal(passed.status, 0, passed.out);
  assert.match(passed.out, /3 C\+\+ files are clang-format clean/);
});

test("format check: a tracked file edited badly fails too; the fix path formats it in place", (t) => {
  const root = scratchRepo(t);
  write(root, "modules/util/util.cpp", MESSY);
  const failed = check(root);
  assert.equal(failed.status, 1, failed.out);
  assert.match(failed.stderr, /^modules\/util\/util\.cpp$/m);

  const fixed = run(root, "bash", ["scripts/checks/format.sh", "--fix"]);
  assert.equal(fixed.status, 0, fixed.out);
  assert.equal(readFileSync(path.join(root, "modules/util/util.cpp"), "utf8"), CLEAN);
  assert.equal(check(root).status, 0);
});

test("format check: git-ignored files, build/ and node_modules/ are left out", (t) => {
  const root = scratchRepo(t);
  // build/ and node_modules/ are in the project's .gitignore; scratch/ is
  // ignored by a rule of this test; vendor/node_modules/ is not ignored but
  // still left out.
  write(root, "build/native/generated/gen.cpp", MESSY);
  write(root, "node_modules/pkg/src/x.cpp", MESSY);
  write(root, "vendor/node_modules/y.hpp", MESSY);
  write(root, "scratch/notes.cpp", MESSY);
  writeFileSync(path.join(root, ".gitignore"), `${readFileSync(path.join(root, ".gitignore"), "utf8")}scratch/\n`);
  const result = check(root);
  assert.equal(result.status, 0, result.out);
  assert.match(result.out, /1 C\+\+ files are clang-format clean/);
});

test("format check: a tracked file deleted from the work tree is skipped", (t) => {
  const root = scratchRepo(t);
  write(root, "modules/gone/gone.cpp", CLEAN);
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "gone");
  unlinkSync(path.join(root, "modules/gone/gone.cpp"));
  const result = check(root);
  assert.equal(result.status, 0, result.out);
  assert.match(result.out, /1 C\+\+ files are clang-format clean/);
});
