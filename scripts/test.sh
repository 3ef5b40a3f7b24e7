#!/usr/bin/env bash
# npm test: set up, build native and wasm, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false

bash scripts/setup.sh
bash scripts/build.sh all

echo "== native unit tests (ctest)"
ctest --preset native

echo "== Worker tests in workerd (Miniflare)"
node --test --test-reporter=spec tests/worker/
