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
import { ROOT, runTool } from "./lib/project.mjs";

process.exit(runTool("miti-migrations", ["sync", "--root", ROOT, ...process.argv.slice(2)], { label: "db:sync" }));
