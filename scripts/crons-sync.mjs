// npm run crons:sync: rewrites wrangler.toml [triggers] crons from the crons the modules in
// [vars] MODULES declare. The logic is C++ (tools/crons, tools/lib/cron_consistency.cpp) so it
// reads the very module definitions the Worker runs; this only runs it from the project root.
//   node scripts/crons-sync.mjs [--modules "a,b"]   (after `bash scripts/build.sh native`)
import { runTool } from "./lib/project.mjs";

process.exit(runTool("miti-crons", ["sync", "--toml", "wrangler.toml", ...process.argv.slice(2)], { label: "crons" }));
