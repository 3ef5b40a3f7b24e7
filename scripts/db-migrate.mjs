#!/usr/bin/env node
// npm run db:migrate: applies the pending D1 migrations in migrations/ with
// wrangler, which records each applied file by name in the d1_migrations table.
//
//   node scripts/db-migrate.mjs [--remote | --local [--persist-to DIR]] [--dry-run] [--yes]
//
//   (default), --remote  the remote (production) database of wrangler.toml's DB binding
//   --local        the local dev database `wrangler dev` and `npm start` use
//   --persist-to   with --local: a state directory other than .wrangler/state
//   --dry-run      list what is pending (`wrangler d1 migrations list`), apply nothing
//   --yes          do not ask before applying remotely (deploy passes it)
//
// Before touching any database it checks that migrations/ is in step with
// modules/*/migrations/ (miti-migrations check), so a database never gets a
// half-consolidated set; without the built tool it applies nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, runTool, toolPath, WRANGLER_TELEMETRY_OFF } from "./lib/project.mjs";

const WRANGLER = path.join(ROOT, "node_modules/.bin/wrangler");
const USAGE = "usage: node scripts/db-migrate.mjs [--remote | --local [--persist-to DIR]] [--dry-run] [--yes]";
const BINDING = "DB";

function fail(message) {
  console.error(`db:migrate: ${message}`);
  process.exit(1);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      local: { type: "boolean", default: false },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
      "dry-run": { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
if (options.local && options.remote) fail("--local and --remote exclude each other");
if (options["persist-to"] && !options.local) fail("--persist-to needs --local");
const where = options.local ? "local" : "remote";

// 1. migrations/ must be what the modules say it is.
if (!existsSync(toolPath("miti-migrations"))) {
  fail(`${path.relative(ROOT, toolPath("miti-migrations"))} is missing, so migrations/ cannot be checked; nothing applied (build it with \`bash scripts/build.sh native\`)`);
}
if (runTool("miti-migrations", ["check", "--root", ROOT], { label: "db:migrate" }) !== 0) {
  fail("migrations/ is not in sync; nothing applied");
}
if (!existsSync(WRANGLER)) fail("wrangler is not installed: run `npm ci`");

// 2. wrangler lists or applies.
const args = ["d1", "migrations", options["dry-run"] ? "list" : "apply", BINDING, `--${where}`];
if (options["persist-to"]) args.push("--persist-to", options["persist-to"]);
console.error(`db:migrate: ${options["dry-run"] ? "pending migrations of" : "applying migrations to"} the ${where} database (${BINDING})`);

// wrangler asks before applying when it has a terminal. Locally and with
// --yes there is no one to ask: without a stdin it takes the answer "yes".
const interactive = where === "remote" && !options.yes && !options["dry-run"];
const result = spawnSync(WRANGLER, args, {
  cwd: ROOT,
  env: { ...process.env, ...WRANGLER_TELEMETRY_OFF },
  stdio: [interactive ? "inherit" : "ignore", "inherit", "inherit"],
});
if (result.error) fail(result.error.message);
process.exit(result.status ?? 1);
