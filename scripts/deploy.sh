#!/usr/bin/env bash
# npm run deploy: build -> check migrations/ -> apply migrations remotely ->
# wrangler deploy -> register the webhook and commands.
#
#   scripts/deploy.sh [--dry-run]
#
# Migrations go FIRST, before the new code is live: the new code may read a
# table or column a migration creates, and a request served by new code on
# the old schema would fail. The price is a moment (between the migration and
# the end of `wrangler deploy`, plus isolates still finishing old requests)
# where the OLD code runs on the NEW schema. So a migration must be additive
# and tolerate the previous code: create tables and indexes, add columns that
# are nullable or have a default; never drop or rename what the running code
# uses in the same deploy (do it in a later deploy, once no code reads it).
# If a migration fails, wrangler rolls that one back and this script stops:
# the old code keeps running on a schema it understands.
#
# --dry-run builds, checks, bundles (`wrangler deploy --dry-run`), lists the
# migrations that exist and prints the register payloads; it contacts neither
# Cloudflare nor Telegram.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false

dry_run=false
case "${1:-}" in
  "") ;;
  --dry-run) dry_run=true ;;
  *) echo "usage: scripts/deploy.sh [--dry-run]" >&2; exit 2 ;;
esac
step() { echo "deploy: $*" >&2; }
wrangler=node_modules/.bin/wrangler

step "1/5 checking the toolchain and building (native + wasm)"
bash scripts/setup.sh --quiet
bash scripts/build.sh all

step "2/5 checking that migrations/ is in sync with modules/*/migrations/"
if ! build/native/tools/miti-migrations check --root .; then
  step "stopped: run \`npm run db:sync\`, review and commit migrations/, then deploy again"
  exit 1
fi

if $dry_run; then
  step "3/5 (dry run) migrations wrangler would consider; pending remotely: npm run db:migrate -- --dry-run"
  ls -1 migrations/*.sql 2>/dev/null | sed 's/^/  /' >&2 || echo "  (none)" >&2
  step "4/5 (dry run) bundling with wrangler deploy --dry-run into dist/"
  "$wrangler" deploy --dry-run --outdir dist
  step "5/5 (dry run) register"
  node scripts/register.mjs --dry-run
  step "dry run complete: nothing was deployed"
  exit 0
fi

step "3/5 applying pending D1 migrations to the remote database (before the code that needs them)"
node scripts/db-migrate.mjs --remote --yes

step "4/5 deploying the Worker"
"$wrangler" deploy

step "5/5 registering the webhook and the command menu"
node scripts/register.mjs
step "done"
