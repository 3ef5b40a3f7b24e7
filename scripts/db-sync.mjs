#!/usr/bin/env node
// npm run db:sync: consolidates modules/*/migrations/*.sql into migrations/,
// the folder `wrangler d1 migrations apply` reads. The rules (stable names,
// numbering, never rewriting what may have been applied) live in C++
// (tools/lib/migration_plan.cpp); this only runs the native tool.
//
//   node scripts/db-sync.mjs [--accept-edits]
//
// --accept-edits rewrites a consolidated file whose module migration was
// edited. Only right when no database has applied it yet: wrangler never
// re-runs an applied migration, so anywhere it ran keeps the old version.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOOL = path.join(ROOT, "build/native/tools/miti-migrations");

if (!existsSync(TOOL)) {
  console.error(`db:sync: ${path.relative(ROOT, TOOL)} is missing: build it with \`bash scripts/build.sh native\``);
  process.exit(1);
}
const result = spawnSync(TOOL, ["sync", "--root", ROOT, ...process.argv.slice(2)], { stdio: "inherit" });
if (result.error) {
  console.error(`db:sync: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
