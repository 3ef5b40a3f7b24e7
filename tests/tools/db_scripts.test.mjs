// Issue 4: the migration tooling as a user runs it.
//  - miti-migrations sync/check on scratch repositories: names, numbering,
//    stable appends, edits, and messages that name the file at fault.
//  - scripts/db-migrate.mjs on a scratch copy of the project: --dry-run lists
//    what is pending, --local applies, a second run has nothing to do, and an
//    out-of-sync migrations/ stops it before any database is touched.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, toolPath } from "../../scripts/lib/project.mjs";

const TOOL = toolPath("miti-migrations");

function scratch(files) {
  const root = mkdtempSync(path.join(tmpdir(), "miti-migrations-"));
  write(root, files);
  return root;
}

function write(root, files) {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
}

function run(root, ...args) {
  const result = spawnSync(TOOL, [...args, "--root", root], { encoding: "utf8" });
  return { status: result.status, out: result.stdout + result.stderr };
}

const SQL = "CREATE TABLE t (x);\n";

describe("miti-migrations", () => {
  test("sync consolidates under stable names; check then passes", () => {
    const root = scratch({
      "modules/notes/migrations/0001_create_notes.sql": SQL,
      "modules/notes/migrations/0002_add_index.sql": SQL,
      "modules/mymod/migrations/0001_create_foo.sql": SQL,
      "modules/misc/misc.cpp": "",
    });
    try {
      assert.equal(run(root, "check").status, 1);
      const sync = run(root, "sync");
      assert.equal(sync.status, 0, sync.out);
      assert.deepEqual(readdirSync(path.join(root, "migrations")), [
        "0001_mymod_0001_create_foo.sql",
        "0002_notes_0001_create_notes.sql",
        "0003_notes_0002_add_index.sql",
      ]);
      assert.equal(
        readFileSync(path.join(root, "migrations/0002_notes_0001_create_notes.sql"), "utf8").split("\n")[0],
        "-- miti-source: modules/notes/migrations/0001_create_notes.sql",
      );
      const check = run(root, "check");
      assert.equal(check.status, 0, check.out);
      assert.match(check.out, /in sync \(3 migrations\)/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a module added later is appended; nothing consolidated moves", () => {
    const root = scratch({ "modules/zeta/migrations/0001_a.sql": SQL });
    try {
      run(root, "sync");
      const before = readFileSync(path.join(root, "migrations/0001_zeta_0001_a.sql"));
      write(root, { "modules/alpha/migrations/0001_b.sql": SQL, "modules/zeta/migrations/0002_c.sql": SQL });
      const check = run(root, "check");
      assert.equal(check.status, 1);
      assert.match(check.out, /migrations\/0002_alpha_0001_b\.sql is missing \(from modules\/alpha\/migrations\/0001_b\.sql\)/);
      assert.match(check.out, /npm run db:sync/);
      assert.equal(run(root, "sync").status, 0);
      assert.deepEqual(readdirSync(path.join(root, "migrations")), ["0001_zeta_0001_a.sql", "0002_alpha_0001_b.sql", "0003_zeta_0002_c.sql"]);
      assert.deepEqual(readFileSync(path.join(root, "migrations/0001_zeta_0001_a.sql")), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("malformed names, gaps, duplicates and unterminated SQL fail naming the file; sync writes nothing", () => {
    const cases = [
      [{ "modules/m/migrations/1_x.sql": SQL }, /modules\/m\/migrations\/1_x\.sql: malformed migration name/],
      [{ "modules/m/migrations/0001_a.sql": SQL, "modules/m/migrations/0003_c.sql": SQL }, /modules\/m\/migrations\/0003_c\.sql: .*expected 0002, found 0003/],
      [{ "modules/m/migrations/0001_a.sql": SQL, "modules/m/migrations/0001_b.sql": SQL }, /modules\/m\/migrations: duplicate migration number 0001: 0001_a\.sql, 0001_b\.sql/],
      [{ "modules/m/migrations/0001_a.sql": "CREATE TABLE t (x)" }, /modules\/m\/migrations\/0001_a\.sql: the last statement must end with ';'/],
      [{ "modules/m/migrations/0001_a.sql": SQL, "migrations/0001_by_hand.sql": SQL }, /migrations\/0001_by_hand\.sql: has no '-- miti-source:' header/],
    ];
    for (const [files, message] of cases) {
      const root = scratch(files);
      try {
        const check = run(root, "check");
        assert.equal(check.status, 1, check.out);
        assert.match(check.out, message);
        const sync = run(root, "sync");
        assert.equal(sync.status, 1);
        assert.match(sync.out, /nothing written/);
        const written = existsSync(path.join(root, "migrations")) ? readdirSync(path.join(root, "migrations")) : [];
        assert.deepEqual(written, files["migrations/0001_by_hand.sql"] ? ["0001_by_hand.sql"] : []);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });

  test("a migration of a module that is gone stays, with a note; a module still there may not lose one", () => {
    const root = scratch({
      "modules/gone/migrations/0001_a.sql": SQL,
      "modules/kept/migrations/0001_b.sql": SQL,
      "modules/kept/migrations/0002_c.sql": SQL,
    });
    try {
      assert.equal(run(root, "sync").status, 0);
      rmSync(path.join(root, "modules/gone"), { recursive: true });
      const check = run(root, "check");
      assert.equal(check.status, 0, check.out);
      assert.match(check.out, /kept migrations\/0001_gone_0001_a\.sql: module 'gone' is gone/);
      assert.match(check.out, /in sync \(3 migrations\)/);
      rmSync(path.join(root, "modules/kept/migrations/0002_c.sql"));
      const lost = run(root, "check");
      assert.equal(lost.status, 1);
      assert.match(lost.out, /modules\/kept\/migrations\/0002_c\.sql: is gone \(renamed or deleted\) but was consolidated as migrations\/0003_kept_0002_c\.sql/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("the framework's migrations come from src/migrations as module 'miti'", () => {
    const root = scratch({ "src/migrations/0001_create_updates.sql": SQL, "modules/notes/migrations/0001_create_notes.sql": SQL });
    try {
      const sync = run(root, "sync");
      assert.equal(sync.status, 0, sync.out);
      assert.deepEqual(readdirSync(path.join(root, "migrations")), ["0001_miti_0001_create_updates.sql", "0002_notes_0001_create_notes.sql"]);
      assert.equal(
        readFileSync(path.join(root, "migrations/0001_miti_0001_create_updates.sql"), "utf8").split("\n")[0],
        "-- miti-source: src/migrations/0001_create_updates.sql",
      );
      assert.equal(run(root, "check").status, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("an edit to a consolidated migration is refused, or rewritten in place with --accept-edits", () => {
    const root = scratch({ "modules/m/migrations/0001_a.sql": SQL });
    try {
      run(root, "sync");
      appendFileSync(path.join(root, "modules/m/migrations/0001_a.sql"), "CREATE TABLE u (y);\n");
      const check = run(root, "check");
      assert.equal(check.status, 1);
      assert.match(check.out, /modules\/m\/migrations\/0001_a\.sql: changed after it was consolidated as migrations\/0001_m_0001_a\.sql/);
      assert.equal(run(root, "sync").status, 1);
      const accepted = run(root, "sync", "--accept-edits");
      assert.equal(accepted.status, 0, accepted.out);
      assert.match(accepted.out, /rewrote migrations\/0001_m_0001_a\.sql/);
      assert.match(readFileSync(path.join(root, "migrations/0001_m_0001_a.sql"), "utf8"), /CREATE TABLE u/);
      assert.equal(run(root, "check").status, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("scripts/db-migrate.mjs", () => {
  // A scratch copy of the project: this repository's migrations/ (whatever
  // other work is in flight in modules/ cannot stop it) and its tools.
  function project() {
    const root = mkdtempSync(path.join(tmpdir(), "miti-project-"));
    mkdirSync(path.join(root, "scripts"));
    cpSync(path.join(ROOT, "scripts/db-migrate.mjs"), path.join(root, "scripts/db-migrate.mjs"));
    cpSync(path.join(ROOT, "scripts/lib"), path.join(root, "scripts/lib"), { recursive: true });
    cpSync(path.join(ROOT, "wrangler.toml"), path.join(root, "wrangler.toml"));
    cpSync(path.join(ROOT, "migrations"), path.join(root, "migrations"), { recursive: true });
    for (const file of readdirSync(path.join(ROOT, "migrations"))) {
      const source = readFileSync(path.join(ROOT, "migrations", file), "utf8").match(/^-- miti-source: (.+)$/m)[1];
      // A retired module's migration stays in migrations/ with no source left.
      if (!existsSync(path.join(ROOT, source))) continue;
      mkdirSync(path.dirname(path.join(root, source)), { recursive: true });
      cpSync(path.join(ROOT, source), path.join(root, source));
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
    mkdirSync(path.join(root, "build/native/tools"), { recursive: true });
    symlinkSync(TOOL, path.join(root, "build/native/tools/miti-migrations"));
    return root;
  }

  function migrate(root, ...args) {
    const result = spawnSync(process.execPath, ["scripts/db-migrate.mjs", ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    });
    return { status: result.status, out: result.stdout + result.stderr };
  }

  test("--dry-run lists what is pending, --local applies it, then nothing is pending", { timeout: 120_000 }, () => {
    const root = project();
    const state = path.join(root, "state");
    const files = readdirSync(path.join(root, "migrations"));
    try {
      const pending = migrate(root, "--local", "--persist-to", state, "--dry-run");
      assert.equal(pending.status, 0, pending.out);
      for (const file of files) assert.ok(pending.out.includes(file), `${file} not listed:\n${pending.out}`);
      const apply = migrate(root, "--local", "--persist-to", state);
      assert.equal(apply.status, 0, apply.out);
      assert.match(apply.out, /migrations\/ is in sync/);
      const again = migrate(root, "--local", "--persist-to", state, "--dry-run");
      assert.match(again.out, /No migrations to apply/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("an out-of-sync migrations/ stops it before any database is touched", () => {
    const root = project();
    const state = path.join(root, "state");
    try {
      write(root, { "modules/late/migrations/0001_x.sql": SQL });
      const result = migrate(root, "--local", "--persist-to", state);
      assert.equal(result.status, 1);
      assert.match(result.out, /migrations\/\d{4}_late_0001_x\.sql is missing/);
      assert.match(result.out, /nothing applied/);
      assert.deepEqual(readdirSync(root).includes("state"), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("without the miti-migrations tool nothing is checked, so nothing is applied", () => {
    const root = project();
    const state = path.join(root, "state");
    try {
      rmSync(path.join(root, "build/native/tools/miti-migrations"));
      const result = migrate(root, "--local", "--persist-to", state);
      assert.equal(result.status, 1);
      assert.match(result.out, /miti-migrations is missing, so migrations\/ cannot be checked; nothing applied/);
      assert.equal(existsSync(state), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("bad arguments get the usage", () => {
    const root = project();
    try {
      for (const args of [["--bogus"], ["--persist-to", "x"], ["--local", "--remote"]]) {
        const result = migrate(root, ...args);
        assert.equal(result.status, 1, args.join(" "));
        assert.match(result.out, /db:migrate: /);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
