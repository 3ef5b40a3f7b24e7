// miti-crons check/sync against temporary copies of wrangler.toml: in step passes, a missing or
// an extra schedule fails naming the module, cron and schedule, sync rewrites only the crons list
// and is idempotent, and spelling differences (spacing, names, case) count as equal. Past the
// trigger budget, sync writes one covering trigger and MITI_CRON_DISPATCH = "time", and the check
// proves coverage instead.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, toolPath } from "../../scripts/lib/project.mjs";

const TOOL = toolPath("miti-crons");
const MANIFEST_TOOL = toolPath("miti-manifest");

// Declared crons as miti-manifest prints them; --manifest lets the tests use modules that need
// not be compiled in.
const MANIFEST = {
  modules: [
    { name: "util", commands: [], crons: [] },
    {
      name: "remind",
      commands: [],
      crons: [
        { name: "deliver", schedule: "* * * * *" },
        { name: "trim", schedule: "0 3 * * *" },
      ],
    },
    {
      name: "weekly",
      commands: [],
      crons: [
        { name: "digest", schedule: "0 9 * * mon" },
        { name: "heartbeat", schedule: "*  *  * * *" },
      ],
    },
    { name: "broken", commands: [], crons: [{ name: "bad", schedule: "0 9 * * 0" }] },
    { name: "late", commands: [], crons: [{ name: "trim", schedule: "17 3 * * *" }] },
  ],
};

function toml({ modules = "util,remind,weekly", triggers = "" } = {}) {
  return `name = "miti-bot"
main = "js-shim/worker.mjs"
compatibility_date = "2026-04-01"

# A comment that must survive, with [triggers] inside it.
[[rules]]
type = "CompiledWasm"
globs = [
  "**/*.wasm",  # the wasm module
]

[vars]
MODULES = "${modules}"
TELEGRAM_WEBHOOK_REPLY = "true"
NOTE = "crons = [\\"not this one\\"]"
${triggers}
[[d1_databases]]
binding = "DB"
database_name = "miti"

[env.staging.triggers]
crons = ["0 0 * * *"]
`;
}

let dir;
let manifestFile;
before(() => {
  assert.ok(existsSync(TOOL), `${TOOL} is missing: run \`bash scripts/build.sh native\``);
  dir = mkdtempSync(path.join(tmpdir(), "miti-crons-"));
  manifestFile = path.join(dir, "manifest.json");
  writeFileSync(manifestFile, JSON.stringify(MANIFEST));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function writeToml(text) {
  const file = path.join(dir, `wrangler-${++counter}.toml`);
  writeFileSync(file, text);
  return file;
}

function crons(command, file, ...extra) {
  const result = spawnSync(TOOL, [command, "--toml", file, "--manifest", manifestFile, ...extra], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const IN_STEP = `
[triggers]
crons = [ "* * * * *", "0 3 * * *", "0 9 * * 2" ]
`;

describe("check", () => {
  test("passes when the toml lists exactly the declared schedules", () => {
    const result = crons("check", writeToml(toml({ triggers: IN_STEP })));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /in step with MODULES "util,remind,weekly" \(3 schedules\)/);
  });

  test("spacing, names and case count as equal", () => {
    const triggers = `\n[triggers]\ncrons = ["*  * * * *", "00 03 * * *", "0 9 * * MON"]\n`;
    const result = crons("check", writeToml(toml({ triggers })));
    assert.equal(result.status, 0, result.stderr);
  });

  test("a declared schedule missing from the toml fails, naming module, cron and schedule", () => {
    const triggers = `\n[triggers]\ncrons = ["* * * * *", "0 9 * * 2"]\n`;
    const result = crons("check", writeToml(toml({ triggers })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /module 'remind', cron 'trim' runs on '0 3 \* \* \*'/);
    assert.match(result.stderr, /does not list, so it would never fire/);
    assert.match(result.stderr, /npm run crons:sync/);
  });

  test("no [triggers] section at all fails for every declared schedule", () => {
    const result = crons("check", writeToml(toml()));
    assert.equal(result.status, 1);
    for (const cron of ["'remind', cron 'deliver'", "'remind', cron 'trim'", "'weekly', cron 'digest'"]) {
      assert.ok(result.stderr.includes(cron), result.stderr);
    }
  });

  test("a toml schedule nobody declares fails, naming it and MODULES", () => {
    const triggers = `\n[triggers]\ncrons = ["* * * * *", "0 3 * * *", "0 9 * * 2", "*/5 * * * *"]\n`;
    const result = crons("check", writeToml(toml({ triggers })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /lists '\*\/5 \* \* \* \*', which no module in MODULES \("util,remind,weekly"\) declares/);
  });

  test("MODULES decides which modules count", () => {
    const triggers = `\n[triggers]\ncrons = ["* * * * *", "0 3 * * *"]\n`;
    assert.equal(crons("check", writeToml(toml({ modules: "remind", triggers }))).status, 0);
    const result = crons("check", writeToml(toml({ modules: " util , weekly ", triggers })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /lists '0 3 \* \* \*', which no module/);
    assert.match(result.stderr, /module 'weekly', cron 'digest' runs on '0 9 \* \* mon'/);
  });

  test("two toml entries with the same meaning fail", () => {
    const triggers = `\n[triggers]\ncrons = ["* * * * *", "0 3 * * *", "0 9 * * 2", "0 9 * * Mon"]\n`;
    const result = crons("check", writeToml(toml({ triggers })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /lists '0 9 \* \* 2' and '0 9 \* \* Mon', which mean the same schedule/);
  });

  test("an invalid toml entry fails with the parser's message", () => {
    const triggers = `\n[triggers]\ncrons = ["* * * * *", "0 3 * * *", "0 9 * * 2", "61 * * * *"]\n`;
    const result = crons("check", writeToml(toml({ triggers })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cron expression '61 \* \* \* \*': minute '61': 61 is out of range 0-59/);
  });

  test("an invalid declared schedule fails naming the module and cron", () => {
    const result = crons("check", writeToml(toml({ modules: "broken" })));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /module 'broken', cron 'bad': cron expression '0 9 \* \* 0': day-of-week '0'/);
  });

  test("missing MODULES and unknown modules are clear errors", () => {
    const noModules = writeToml(toml().replace(/^MODULES = .*$/m, ""));
    const missing = crons("check", noModules);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /has no \[vars\] MODULES/);
    const unknown = crons("check", writeToml(toml({ modules: "util,nope" })));
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown module 'nope'/);
  });

  test("more than five triggers passes with a note about the Free plan", () => {
    const many = {
      modules: [{ name: "many", crons: ["1", "2", "3", "4", "5", "6"].map((m) => ({ name: `m${m}`, schedule: `${m} * * * *` })) }],
    };
    const manifest = path.join(dir, "many.json");
    writeFileSync(manifest, JSON.stringify(many));
    const file = writeToml(toml({ modules: "many" }));
    assert.equal(spawnSync(TOOL, ["sync", "--toml", file, "--manifest", manifest, "--budget", "6"]).status, 0);
    const result = spawnSync(TOOL, ["check", "--toml", file, "--manifest", manifest, "--budget", "6"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /6 cron triggers: the Workers Free plan allows 5 per account/);
  });
});

describe("sync", () => {
  test("creates a [triggers] section at the end, leaving the rest byte for byte", () => {
    const before = toml();
    const file = writeToml(before);
    const result = crons("sync", file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\+ '\* \* \* \* \*' \(remind\.deliver, weekly\.heartbeat\)/);
    const after = readFileSync(file, "utf8");
    assert.ok(after.startsWith(before), "the existing text is kept as a prefix");
    assert.match(
      after.slice(before.length),
      /^\n\[triggers\]\n(#.*\n)+crons = \[\n  "\* \* \* \* \*", +# remind\.deliver, weekly\.heartbeat\n  "0 3 \* \* \*", +# remind\.trim\n  "0 9 \* \* mon", +# weekly\.digest\n\]\n$/,
    );
    assert.equal(crons("check", file).status, 0);
  });

  test("is idempotent", () => {
    const file = writeToml(toml());
    assert.equal(crons("sync", file).status, 0);
    const once = readFileSync(file, "utf8");
    const again = crons("sync", file);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /already in step/);
    assert.equal(readFileSync(file, "utf8"), once);
  });

  test("rewrites only the crons list of an existing section and keeps the toml's spellings", () => {
    const triggers = `
[triggers]
# my own comment above the list
crons = [
  "0  9 * * MON",  # an old comment inside the list
  "*/5 * * * *",
]
other = "kept"
`;
    const before = toml({ triggers });
    const file = writeToml(before);
    const result = crons("sync", file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /- '\*\/5 \* \* \* \*'/);
    const after = readFileSync(file, "utf8");
    const start = before.indexOf("crons = [\n  \"0  9");
    const end = before.indexOf("]\nother") + 1;
    assert.equal(after.slice(0, start), before.slice(0, start));
    assert.ok(after.endsWith(before.slice(end)), "everything after the list is kept");
    assert.match(after, /crons = \[\n  "\* \* \* \* \*", +# remind\.deliver, weekly\.heartbeat\n  "0 3 \* \* \*", +# remind\.trim\n  "0  9 \* \* MON", +# weekly\.digest\n\]\nother = "kept"/);
    assert.match(after, /\[env\.staging\.triggers\]\ncrons = \["0 0 \* \* \*"\]/, "env overrides are untouched");
    assert.equal(crons("check", file).status, 0);
  });

  test("adds crons to a [triggers] section that has none", () => {
    const file = writeToml(toml({ triggers: "\n[triggers]\n# nothing yet\n" }));
    assert.equal(crons("sync", file).status, 0);
    const after = readFileSync(file, "utf8");
    assert.match(after, /\[triggers\]\ncrons = \[\n[^\]]*\]\n# nothing yet\n/);
    assert.equal((after.match(/^\[triggers\]$/gm) ?? []).length, 1);
    assert.equal(crons("check", file).status, 0);
  });

  test("empties the list when no module in MODULES declares a cron", () => {
    const file = writeToml(toml({ modules: "util", triggers: IN_STEP }));
    assert.equal(crons("sync", file).status, 0);
    assert.match(readFileSync(file, "utf8"), /\[triggers\]\ncrons = \[\]\n/);
    assert.equal(crons("check", file).status, 0);
    const untouched = toml({ modules: "util" });
    const plain = writeToml(untouched);
    assert.equal(crons("sync", plain).status, 0);
    assert.equal(readFileSync(plain, "utf8"), untouched, "no [triggers] section is added for nothing");
  });

  test("refuses to write when a declared schedule is invalid", () => {
    const before = toml({ modules: "broken" });
    const file = writeToml(before);
    const result = crons("sync", file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /module 'broken', cron 'bad'/);
    assert.equal(readFileSync(file, "utf8"), before);
  });

  test("a copy of the project's wrangler.toml keeps every line outside the list", () => {
    const before = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
    const file = writeToml(before);
    const result = crons("sync", file, "--modules", "remind,weekly");
    assert.equal(result.status, 0, result.stderr);
    const outside = (text) => {
      const lines = [];
      let inList = false;
      for (const line of text.split("\n")) {
        if (/^\s*crons\s*=\s*\[/.test(line)) inList = !line.includes("]");
        else if (inList) inList = !line.startsWith("]");
        else lines.push(line);
      }
      return lines;
    };
    const kept = outside(readFileSync(file, "utf8"));
    let at = 0;
    for (const line of outside(before)) {
      at = kept.indexOf(line, at);
      assert.ok(at >= 0, `line kept: ${line}`);
      at += 1;
    }
    assert.equal(crons("check", file, "--modules", "remind,weekly").status, 0);
    assert.match(crons("sync", file, "--modules", "remind,weekly").stdout, /already in step/);
  });
});

describe("trigger budget", () => {
  // Four distinct schedules: one more than the default budget of 3.
  const FOUR = "util,remind,weekly,late";
  const list = (text) => text.slice(text.indexOf("\n[triggers]"));

  test("past the budget, sync writes one covering trigger and MITI_CRON_DISPATCH = \"time\"; check passes", async () => {
    const before = toml({ modules: FOUR });
    const file = writeToml(before);
    const result = crons("sync", file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /4 schedules, more than the budget of 3: one trigger covers them, dispatch by time/);
    assert.match(result.stdout, /MITI_CRON_DISPATCH = "time"/);
    const after = readFileSync(file, "utf8");
    // [vars] gains one line after its last entry; the rest is kept and the list appended.
    const notes = 'NOTE = "crons = [\\"not this one\\"]"\n';
    assert.ok(before.includes(notes));
    const withVar = before.replace(notes, `${notes}MITI_CRON_DISPATCH = "time"  # \`npm run crons:sync\`: more schedules than the trigger budget\n`);
    assert.ok(after.startsWith(withVar), after);
    assert.match(
      list(after),
      /^\n\[triggers\]\n(#.*\n)+crons = \[\n  "\* \* \* \* \*",  # covers 4 schedules; MITI_CRON_DISPATCH = "time" runs each cron when it is due:\n  #   \* \* \* \* \*    remind\.deliver, weekly\.heartbeat\n  #   0 3 \* \* \*    remind\.trim\n  #   0 9 \* \* mon  weekly\.digest\n  #   17 3 \* \* \*   late\.trim\n\]\n$/,
    );
    const check = crons("check", file);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /covers every cron of MODULES "util,remind,weekly,late" by time \(1 trigger for 4 schedules, budget 3\)/);
    assert.match(crons("sync", file).stdout, /already in step/);
    const { unstable_readConfig } = await import("wrangler");
    const config = unstable_readConfig({ config: file }, {});
    assert.deepEqual(config.triggers.crons, ["* * * * *"]);
    assert.equal(config.vars.MITI_CRON_DISPATCH, "time");
  });

  test("a hand-edited trigger that misses a cron's minutes fails, naming the cron", () => {
    const file = writeToml(toml({ modules: FOUR }));
    assert.equal(crons("sync", file).status, 0);
    writeFileSync(file, readFileSync(file, "utf8").replace('"* * * * *",  # covers', '"*/5 * * * *",  # covers'));
    const result = crons("check", file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /module 'late', cron 'trim' runs on '17 3 \* \* \*', but no trigger in wrangler\.toml \[triggers\] crons fires at 2026-01-01 03:17 UTC/);
    assert.match(result.stderr, /module 'remind', cron 'deliver' runs on '\* \* \* \* \*', but no trigger .* fires at 2026-01-01 00:01 UTC/);
    assert.doesNotMatch(result.stderr, /cron 'digest'/, "0 9 on Mondays is on the */5 grid");
    assert.match(result.stderr, /npm run crons:sync/);
  });

  test("a trigger that covers nothing and triggers that fire together fail", () => {
    const timeMode = (modules, crons) =>
      writeToml(toml({ modules, triggers: `\n[triggers]\ncrons = ${crons}\n` }).replace("[vars]\n", '[vars]\nMITI_CRON_DISPATCH = "time"\n'));
    const idle = crons("check", timeMode("late", '["17 3 * * *", "0 4 * * *"]'));
    assert.equal(idle.status, 1);
    assert.match(idle.stderr, /lists '0 4 \* \* \*', which never fires when a cron of MODULES \("late"\) is due/);
    assert.doesNotMatch(idle.stderr, /'17 3 \* \* \*', which never/);
    const twice = crons("check", timeMode(FOUR, '["* * * * *", "0 3 * * *"]'));
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, /lists '\* \* \* \* \*' and '0 3 \* \* \*', which both fire at 2026-01-01 03:00 UTC, when module 'remind', cron 'deliver' is due: .* it would run twice/);
  });

  test("--budget decides; MITI_CRON_BUDGET in [vars] is the default; bad budgets are clear errors", () => {
    const file = writeToml(toml({ modules: FOUR }));
    const result = crons("sync", file, "--budget", "4");
    assert.equal(result.status, 0, result.stderr);
    const after = readFileSync(file, "utf8");
    assert.equal((list(after).match(/^  "[^"]+",  # /gm) ?? []).length, 4);
    assert.doesNotMatch(after, /MITI_CRON_DISPATCH/);
    assert.equal(crons("check", file, "--budget", "4").status, 0);
    // Without the flag the default 3 applies: still in step, with a note.
    const noted = crons("check", file);
    assert.equal(noted.status, 0, noted.stderr);
    assert.match(noted.stdout, /note: 4 schedules, more than the trigger budget of 3/);

    const persisted = writeToml(toml({ modules: FOUR }).replace("[vars]\n", '[vars]\nMITI_CRON_BUDGET = "4"\n'));
    assert.equal(crons("sync", persisted).status, 0);
    assert.doesNotMatch(readFileSync(persisted, "utf8"), /MITI_CRON_DISPATCH/);
    assert.equal(crons("check", persisted).status, 0);
    assert.equal(crons("sync", persisted, "--budget", "1").status, 0, "the flag wins over the variable");
    assert.match(readFileSync(persisted, "utf8"), /MITI_CRON_DISPATCH = "time"/);

    for (const bad of ["0", "-2", "three", "2.5", "251"]) {
      const refused = crons("sync", file, "--budget", bad);
      assert.equal(refused.status, 2, bad);
      assert.match(refused.stderr, new RegExp(`--budget is '${bad.replace(".", "\\.")}': the cron trigger budget must be a whole number from 1 to 250`));
    }
    assert.equal(crons("sync", file, "--budget").status, 2);
    const badVar = writeToml(toml({ modules: FOUR }).replace("[vars]\n", "[vars]\nMITI_CRON_BUDGET = 0\n"));
    const refused = crons("check", badVar);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /\[vars\] MITI_CRON_BUDGET is '0': the cron trigger budget must be a whole number/);
  });

  test("back within the budget: one trigger per schedule again and the dispatch variable removed", () => {
    const plain = writeToml(toml({ modules: "util,remind,weekly" }));
    assert.equal(crons("sync", plain).status, 0);
    const file = writeToml(toml({ modules: FOUR }));
    assert.equal(crons("sync", file).status, 0);
    assert.match(readFileSync(file, "utf8"), /MITI_CRON_DISPATCH = "time"/);
    writeFileSync(file, readFileSync(file, "utf8").replace(`MODULES = "${FOUR}"`, 'MODULES = "util,remind,weekly"'));
    const result = crons("sync", file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /MITI_CRON_DISPATCH removed/);
    assert.equal(readFileSync(file, "utf8"), readFileSync(plain, "utf8"), "the same file as a sync within the budget from the start");
    assert.equal(crons("check", file).status, 0);
  });
});

test("wrangler reads the list sync writes", async () => {
  const file = writeToml(toml({ triggers: `\n[triggers]\ncrons = ["0  9 * * MON"]\n` }));
  assert.equal(crons("sync", file).status, 0);
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: file }, {});
  assert.deepEqual(config.triggers.crons, ["* * * * *", "0 3 * * *", "0  9 * * MON"]);
  assert.equal(config.vars.MODULES, "util,remind,weekly");
});

describe("with the compiled modules", () => {
  test("sync then check agree for every compiled module", () => {
    const manifest = JSON.parse(spawnSync(MANIFEST_TOOL, [], { encoding: "utf8" }).stdout);
    // "miti" is the framework itself: always on, never listed in MODULES (its crons are still
    // expected in the toml, checked below).
    assert.ok(manifest.modules.some((m) => m.name === "miti"), "the manifest carries the framework's crons");
    const all = manifest.modules.filter((m) => m.name !== "miti").map((m) => m.name).join(",");
    const file = writeToml(toml({ modules: all }));
    const sync = spawnSync(TOOL, ["sync", "--toml", file], { encoding: "utf8" });
    assert.equal(sync.status, 0, sync.stderr);
    const check = spawnSync(TOOL, ["check", "--toml", file], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
    for (const module of manifest.modules) {
      for (const cron of module.crons) assert.ok(readFileSync(file, "utf8").includes(`${module.name}.${cron.name}`));
    }
  });

  test("the framework's own cron is required whatever MODULES says", () => {
    const manifest = JSON.parse(spawnSync(MANIFEST_TOOL, [], { encoding: "utf8" }).stdout);
    const framework = manifest.modules.find((m) => m.name === "miti");
    assert.deepEqual(framework.crons, [{ name: "trim", schedule: "17 3 * * *" }]);
    const missing = spawnSync(TOOL, ["check", "--toml", writeToml(toml({ modules: "util" }))], { encoding: "utf8" });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /module 'miti', cron 'trim' runs on '17 3 \* \* \*'/);
    const file = writeToml(toml({ modules: "util" }));
    assert.equal(spawnSync(TOOL, ["sync", "--toml", file]).status, 0);
    assert.match(readFileSync(file, "utf8"), /crons = \[\n  "17 3 \* \* \*", +# miti\.trim\n\]/);
    assert.equal(spawnSync(TOOL, ["check", "--toml", file]).status, 0);
  });

  test("MODULES may not name the framework", () => {
    const result = spawnSync(TOOL, ["check", "--toml", writeToml(toml({ modules: "util,miti" }))], { encoding: "utf8" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /module name 'miti' is the framework's own/);
  });

  test("an extra schedule fails against the compiled modules too", () => {
    const triggers = `\n[triggers]\ncrons = ["7 7 7 7 *"]\n`;
    const result = spawnSync(TOOL, ["check", "--toml", writeToml(toml({ modules: "util", triggers }))], { encoding: "utf8" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /lists '7 7 7 7 \*', which no module in MODULES \("util"\) declares/);
  });

  test("usage errors exit 2", () => {
    assert.equal(spawnSync(TOOL, ["frobnicate"]).status, 2);
  });
});
