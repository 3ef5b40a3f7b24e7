// The production build holds only modules a real bot can list: the manifest
// tool (built from the same module index as the production Worker) names
// exactly the folders under modules/, and none of the test-only modules of
// tests/modules/ (those are linked into the test Worker only).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../testkit/index.mjs";

const TOOL = path.join(ROOT, "build/native/tools/miti-manifest");
const folders = (dir) =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

function manifest(modules) {
  const run = spawnSync(TOOL, ["--modules", modules], { encoding: "utf8" });
  return { status: run.status, json: run.status === 0 ? JSON.parse(run.stdout) : null, stderr: run.stderr };
}

test("the production manifest lists every module of modules/ and no test-only module", () => {
  const production = folders("modules");
  const testOnly = folders("tests/modules");
  assert.ok(testOnly.length > 0 && production.length > 0);
  const all = manifest(production.join(","));
  assert.equal(all.status, 0, all.stderr);
  // "miti" is the framework's own module (/cancel, its trim cron), always there.
  assert.deepEqual(all.json.modules.map((m) => m.name).filter((n) => n !== "miti").sort(), production);
  for (const name of testOnly) {
    const refused = manifest(`util,${name}`);
    assert.notEqual(refused.status, 0, `${name} is compiled into the production manifest`);
    assert.match(refused.stderr, new RegExp(`unknown module '${name}'.*compiled in: ${production.join(", ")}\\)`));
  }
});
