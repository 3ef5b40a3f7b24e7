#!/usr/bin/env bash
# npm test check: wrangler.toml [triggers] crons lists exactly the schedules the modules in
# [vars] MODULES declare (compared normalised); or, with [vars] MITI_CRON_DISPATCH = "time",
# its triggers (at most the budget: [vars] MITI_CRON_BUDGET, default 3) fire at every minute a
# declared cron is due. Fix with `npm run crons:sync`.
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=build/native/tools/miti-crons
if [[ ! -x $tool ]]; then
  echo "crons: $tool is missing: run \`bash scripts/build.sh native\`" >&2
  exit 1
fi
exec "$tool" check --toml wrangler.toml
