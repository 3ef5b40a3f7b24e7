// Issue 4: migrations reach a fresh D1 by the mechanism deploy uses
// (`wrangler d1 migrations apply DB --local --persist-to DIR`), and the
// original plan's success criterion holds there: mymod's init runs
// `sql.run("INSERT INTO mymod_foo VALUES (?)", "x")` and it works
//   - in Miniflare on the wrangler-migrated database (the shim as in the repo),
//   - in the bundle `wrangler deploy --dry-run` produces,
//   - in `wrangler dev`.
// The harness's own migration step (startWorker({migrations: true})) is
// checked against wrangler's result, so the other tests run on the same schema.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { ROOT, SECRET, textUpdate, webhookReply, startWorker, waitFor } from "./harness.mjs";
import { migrationFiles } from "./d1_migrations.mjs";
import { freePort } from "../../scripts/lib/project.mjs";

const WRANGLER = path.join(ROOT, "node_modules/.bin/wrangler");
const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
};
const MODULES = "util,mymod,notes";

// The database_id wrangler.toml gives DB: wrangler's local state is keyed by it.
const DATABASE_ID = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8").match(
  /\[\[d1_databases\]\][^[]*?database_id\s*=\s*"([^"]+)"/,
)[1];

function wrangler(args) {
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.equal(result.status, 0, `wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout + result.stderr;
}

function applyWithWrangler(persistTo) {
  return wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
}

// Miniflare on the state directory wrangler wrote, with the D1 id wrangler used.
async function startOnState(persistTo, { scriptPath = path.join(ROOT, "js-shim/worker.mjs"), modulesRoot = ROOT, modules = MODULES } = {}) {
  const logs = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot,
    modulesRules: [
      { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["KV"],
    d1Databases: { DB: DATABASE_ID },
    d1Persist: path.join(persistTo, "v3", "d1"),
    bindings: { MODULES, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: "1:T", TELEGRAM_API_BASE: "http://telegram.test" },
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => logs.push(String(d)));
      stderr.on("data", (d) => logs.push(String(d)));
    },
  });
  await mf.ready;
  const say = async (text) => {
    const response = await mf.dispatchFetch("http://localhost/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(textUpdate(text)),
    });
    assert.equal(response.status, 200);
    return (await webhookReply(response))?.text;
  };
  return { mf, say, logs, dispose: () => mf.dispose() };
}

async function schema(db) {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type, name")
    .all();
  return results;
}

async function appliedNames(db) {
  const { results } = await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all();
  return results.map((r) => r.name);
}

describe("migrations applied by wrangler, as deploy applies them", () => {
  let state;
  let firstApply;
  before(() => {
    state = mkdtempSync(path.join(tmpdir(), "miti-d1-"));
    firstApply = applyWithWrangler(state);
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  test("migrations/ holds the consolidated module migrations, in order", () => {
    const files = migrationFiles();
    assert.ok(files.includes("0001_mymod_0001_create_foo.sql"), files.join(", "));
    assert.ok(files.some((f) => /^\d{4}_notes_0001_create_notes\.sql$/.test(f)), files.join(", "));
    files.forEach((file, i) => assert.equal(parseInt(file), i + 1, `${file} out of order`));
  });

  test("a fresh database gets every migration, recorded in d1_migrations; a second apply has nothing to do", async () => {
    for (const file of migrationFiles()) assert.ok(firstApply.includes(file), `${file} not applied:\n${firstApply}`);
    assert.match(applyWithWrangler(state), /No migrations to apply/);
    const w = await startOnState(state);
    try {
      const db = await w.mf.getD1Database("DB");
      assert.deepEqual(await appliedNames(db), migrationFiles());
      const tables = (await schema(db)).filter((o) => o.type === "table").map((o) => o.name);
      for (const table of ["mymod_foo", "notes_notes", "d1_migrations"]) assert.ok(tables.includes(table), table);
    } finally {
      await w.dispose();
    }
  });

  test("mymod's init inserts 'x' and its command reads it back", async () => {
    const w = await startOnState(state);
    try {
      assert.equal(await w.say("/foocount"), "mymod_foo rows: 1 (x)");
    } finally {
      await w.dispose();
    }
  });

  test("init runs again on every new isolate and tolerates it: still one row", async () => {
    for (let i = 0; i < 2; i++) {
      const w = await startOnState(state);
      try {
        assert.equal(await w.say("/foocount"), "mymod_foo rows: 1 (x)");
      } finally {
        await w.dispose();
      }
    }
  });

  test("notes work on the wrangler-migrated database", async () => {
    const w = await startOnState(state);
    try {
      assert.match(await w.say("/note from wrangler's schema"), /^saved note #\d+$/);
      assert.match(await w.say("/notes"), /from wrangler's schema/);
    } finally {
      await w.dispose();
    }
  });

  test("the test harness's migration step builds the same schema and records", async () => {
    const own = mkdtempSync(path.join(tmpdir(), "miti-d1-compare-"));
    applyWithWrangler(own);
    const ours = await startWorker({ bindings: { MODULES }, migrations: true });
    const theirs = await startOnState(own);
    try {
      const a = await ours.mf.getD1Database("DB");
      const b = await theirs.mf.getD1Database("DB");
      assert.deepEqual(await schema(a), await schema(b));
      assert.deepEqual(await appliedNames(a), await appliedNames(b));
    } finally {
      await ours.dispose();
      await theirs.dispose();
      rmSync(own, { recursive: true, force: true });
    }
  });

  test("without the migrations, mymod's init fails loudly (why deploy migrates first)", async () => {
    const bare = mkdtempSync(path.join(tmpdir(), "miti-d1-bare-"));
    const w = await startOnState(bare, { modules: "misc,mymod" });
    try {
      assert.equal(await w.say("/foocount"), undefined);
      assert.ok(await waitFor(() => w.logs.join("").includes("init of module 'mymod' failed")), w.logs.join(""));
      assert.match(w.logs.join(""), /no such table: mymod_foo/);
    } finally {
      await w.dispose();
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe("the deployed bundle (wrangler deploy --dry-run)", () => {
  let state;
  let outdir;
  before(() => {
    state = mkdtempSync(path.join(tmpdir(), "miti-d1-bundle-"));
    // Inside the repository so the bundle resolves as a module tree of its own.
    outdir = mkdtempSync(path.join(ROOT, "build", "dry-run-"));
  });
  after(() => {
    rmSync(state, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  });

  test("bundles, and on a wrangler-migrated database mymod's init and notes work", { timeout: 120_000 }, async () => {
    const output = wrangler(["deploy", "--dry-run", "--outdir", outdir]);
    assert.match(output, /env\.DB \(miti\)\s+D1 Database/);
    const files = readdirSync(outdir);
    assert.ok(files.includes("worker.js"), files.join(", "));
    assert.ok(files.some((f) => f.endsWith(".wasm")), files.join(", "));
    applyWithWrangler(state);
    const w = await startOnState(state, { scriptPath: path.join(outdir, "worker.js"), modulesRoot: outdir });
    try {
      assert.equal(await w.say("/foocount"), "mymod_foo rows: 1 (x)");
      assert.match(await w.say("/note bundled"), /^saved note #\d+$/);
      assert.match(await w.say("/notes"), /bundled/);
    } finally {
      await w.dispose();
    }
  });
});

describe("wrangler dev", () => {
  test("serves mymod on a database migrated with wrangler", { timeout: 120_000 }, async () => {
    const state = mkdtempSync(path.join(tmpdir(), "miti-d1-dev-"));
    const [port, inspector] = [await freePort(), await freePort()];
    applyWithWrangler(state);
    const vars = { MODULES, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: "1:T", TELEGRAM_API_BASE: "http://127.0.0.1:9" };
    const child = spawn(
      WRANGLER,
      [
        "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
        "--persist-to", state, "--show-interactive-dev-session=false",
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ],
      { cwd: ROOT, env: WRANGLER_ENV, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      assert.ok(await waitFor(() => /Ready on/.test(output), { timeoutMs: 60_000 }), `wrangler dev did not start:\n${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(textUpdate("/foocount")),
      });
      assert.equal(response.status, 200);
      assert.equal((await webhookReply(response))?.text, "mymod_foo rows: 1 (x)", output);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      rmSync(state, { recursive: true, force: true });
    }
  });
});
