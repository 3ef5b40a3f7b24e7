// Applies the top-level migrations/ to a Miniflare D1 database the way
// `wrangler d1 migrations apply DB --local` does: the same d1_migrations
// table, the same numeric order, the same statement splitter, one batch per
// migration together with its bookkeeping row. Tests get the schema deploy
// gives production without spawning wrangler for every worker they start
// (tests/worker/migrations.test.mjs runs the real wrangler command).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const MIGRATIONS_DIR = path.join(ROOT, "migrations");
const TABLE = "d1_migrations";

let splitter;
// wrangler's own splitter (exported for exactly this): loading wrangler costs
// about a second, so only tests that ask for migrations pay it.
async function splitSql(sql) {
  splitter ??= (await import("wrangler")).unstable_splitSqlQuery;
  return splitter(sql);
}

// The .sql files of a folder in the order wrangler applies them.
export function migrationFiles(dir = MIGRATIONS_DIR) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort((a, b) => parseInt(a.split("_")[0]) - parseInt(b.split("_")[0]) || a.localeCompare(b));
}

// Applies what is not yet recorded in d1_migrations; returns the names applied.
export async function applyD1Migrations(db, dir = MIGRATIONS_DIR) {
  // wrangler's statement, byte for byte, so the schemas compare equal.
  await db.prepare(`CREATE TABLE IF NOT EXISTS ${TABLE}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);`).run();
  const { results } = await db.prepare(`SELECT name FROM ${TABLE}`).all();
  const done = new Set(results.map((row) => row.name));
  const applied = [];
  for (const name of migrationFiles(dir)) {
    if (done.has(name)) continue;
    const sql = fs.readFileSync(path.join(dir, name), "utf8") + `\nINSERT INTO ${TABLE} (name) values ('${name}');\n`;
    const statements = await splitSql(sql);
    try {
      await db.batch(statements.map((statement) => db.prepare(statement)));
    } catch (error) {
      throw new Error(`migration ${name} failed: ${error?.cause?.message ?? error.message}`);
    }
    applied.push(name);
  }
  return applied;
}

// The migrations of the test-only modules (tests/modules/*/migrations), which
// never reach migrations/: applied after it, recorded as "tests_<module>_<file>".
export async function applyTestModuleMigrations(db) {
  const root = path.join(ROOT, "tests/modules");
  if (!fs.existsSync(root)) return [];
  const applied = [];
  for (const module of fs.readdirSync(root).sort()) {
    const dir = path.join(root, module, "migrations");
    if (!fs.existsSync(dir)) continue;
    const { results } = await db.prepare(`SELECT name FROM ${TABLE}`).all();
    const done = new Set(results.map((row) => row.name));
    for (const name of migrationFiles(dir)) {
      const recorded = `tests_${module}_${name}`;
      if (done.has(recorded)) continue;
      const sql = fs.readFileSync(path.join(dir, name), "utf8") + `\nINSERT INTO ${TABLE} (name) values ('${recorded}');\n`;
      const statements = await splitSql(sql);
      await db.batch(statements.map((statement) => db.prepare(statement)));
      applied.push(recorded);
    }
  }
  return applied;
}
