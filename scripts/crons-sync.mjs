// npm run crons:sync: rewrites wrangler.toml [triggers] crons from the crons the modules in
// [vars] MODULES declare. The logic is C++ (tools/crons, tools/lib/cron_consistency.cpp) so it
// reads the very module definitions the Worker runs; this only runs it from the project root.
//   node scripts/crons-sync.mjs [--modules "a,b"]   (after `bash scripts/build.sh native`)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tool = path.join(root, "build/native/tools/miti-crons");
if (!existsSync(tool)) {
  console.error("crons: build/native/tools/miti-crons is missing: run `bash scripts/build.sh native`");
  process.exit(1);
}
const result = spawnSync(tool, ["sync", "--toml", "wrangler.toml", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
if (result.error) {
  console.error(`crons: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
