// npm run crons:sync: rewrites wrangler.toml [triggers] crons from the crons the modules in
// [vars] MODULES declare: one trigger per schedule within the trigger budget, past it one
// covering trigger and [vars] MITI_CRON_DISPATCH = "time" (docs/using-cron.md, "How many
// triggers"). The budget is --budget N, else [vars] MITI_CRON_BUDGET, else 3. The logic is C++
// (tools/crons, tools/lib/cron_consistency.cpp) so it reads the very module definitions the
// Worker runs; this only runs it from the project root.
//   node scripts/crons-sync.mjs [--modules "a,b"] [--budget N]   (after `bash scripts/build.sh tools`)
//   npm run crons:sync -- --budget N
import { runTool } from "./lib/project.mjs";

process.exit(runTool("miti-crons", ["sync", "--toml", "wrangler.toml", ...process.argv.slice(2)], { label: "crons" }));
