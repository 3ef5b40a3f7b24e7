#!/usr/bin/env bash
# npm test: set up, build native and wasm, then run every test and check.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false

bash scripts/setup.sh
bash scripts/build.sh all

echo "== native unit tests (ctest)"
ctest --preset native

# Consistency checks (migrations in sync, crons in step with wrangler.toml, ...):
# every scripts/checks/*.sh must exit 0.
for check in scripts/checks/*.sh; do
  [[ -e "$check" ]] || continue
  echo "== check: $(basename "$check" .sh)"
  bash "$check"
done

echo "== Worker and tool tests in workerd (Miniflare) and node"
node --test --test-reporter=spec tests/worker/ tests/tools/
