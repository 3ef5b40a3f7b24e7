#!/usr/bin/env bash
# npm test: set up, build native and wasm, then run every test and check.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Emscripten with Debian's python3, not a pyenv shim on PATH (scripts/build.sh says why): the
# new-module tests call em++ too.
if [[ -z ${EMSDK_PYTHON:-} && -x /usr/bin/python3 ]]; then export EMSDK_PYTHON=/usr/bin/python3; fi

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

# node --test gets files, never folders: Node 21 and later read a folder
# argument as a module path and fail. Self-contained modules may bring their
# own tests (modules/<name>/tests/, tests/modules/<name>/tests/); a pattern
# that matches nothing simply adds nothing.
shopt -s nullglob
node_tests=(
  tests/worker/*.test.mjs
  tests/tools/*.test.mjs
  modules/*/tests/*.test.mjs
  tests/modules/*/tests/*.test.mjs
)
shopt -u nullglob
if ((${#node_tests[@]} == 0)); then
  echo "test: no *.test.mjs files found under tests/ or modules/" >&2
  exit 1
fi
echo "== Worker and tool tests in workerd (Miniflare) and node: ${#node_tests[@]} files"
node --test --test-reporter=spec "${node_tests[@]}"
