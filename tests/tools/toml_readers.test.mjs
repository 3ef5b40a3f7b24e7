// wrangler.toml is read twice: by scripts/lib/project.mjs readTomlVars (register, the chat
// console) and by tools/lib/wrangler_toml.cpp (miti-crons). Both must see the same [vars]
// MODULES, also when headers and values carry trailing comments, and it must be the value
// the file says (two readers agreeing on a wrong value would not do).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readTomlVars, toolPath } from "../../scripts/lib/project.mjs";

const TOOL = toolPath("miti-crons");
const MANIFEST = { modules: ["util", "notes", "misc"].map((name) => ({ name, commands: [], crons: [] })) };

let dir;
before(() => {
  assert.ok(existsSync(TOOL), `${TOOL} is missing: run \`bash scripts/build.sh native\``);
  dir = mkdtempSync(path.join(tmpdir(), "miti-toml-"));
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(MANIFEST));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// MODULES as miti-crons reads it: its check names the MODULES it compared against.
function cppModules(file) {
  const result = spawnSync(TOOL, ["check", "--toml", file, "--manifest", path.join(dir, "manifest.json")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const match = result.stdout.match(/in step with MODULES "([^"]*)"/);
  assert.ok(match, result.stdout);
  return match[1];
}

// name -> [toml text, the MODULES it sets]
const CASES = {
  "commented headers and values": [`name = "miti-bot" # the Worker
[[rules]] # wasm
type = "CompiledWasm"

[vars] # what the Worker reads
MODULES = "util,notes" # which modules run
OTHER = "x"

[[d1_databases]] # storage
binding = "DB"
`, "util,notes"],
  "spaced header, single quotes": [`[ vars ]   # spaced
MODULES = 'util,misc'   # literal string
`, "util,misc"],
  "a later table ends [vars]": [`[vars]
MODULES = "notes"
[env.staging.vars] # not the top-level table
MODULES = "util"
`, "notes"],
  "a '#' inside a quoted value is not a comment": [`[vars]
MODULES = "util,notes" # the list
OTHER = "a # b"
`, "util,notes"],
  "no spaces around '='": [`[vars]
MODULES="misc"
`, "misc"],
};

for (const [name, [text, expected]] of Object.entries(CASES)) {
  test(`both readers read [vars] MODULES as "${expected}": ${name}`, () => {
    const file = path.join(dir, `${name.replace(/\W+/g, "-")}.toml`);
    writeFileSync(file, text);
    assert.equal(readTomlVars(file).MODULES, expected, "scripts/lib/project.mjs readTomlVars");
    assert.equal(cppModules(file), expected, "tools/lib/wrangler_toml.cpp (miti-crons)");
  });
}
