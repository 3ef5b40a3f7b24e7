#!/usr/bin/env bash
# npm test: set up, build native and wasm, then run every test and check.
#
# After the builds, three things run side by side so that both cores stay busy (the node tests
# wait on workerd and wrangler much of the time; a first run on a clean clone took 7 to 8 minutes
# on two cores, 2 December 2026):
#   - the consistency checks (scripts/checks/*.sh, one after another; the fuzz smoke runs
#     there), their output kept in build/checks.log and shown after the node tests;
#   - ctest, then the node tests (several files at a time, the longest first:
#     MITI_TEST_CONCURRENCY, default 2: on two cores, 3 at a time took longer — 275 s against
#     237 s for the same files, and a fifth more CPU time, 2 December 2026).
# The run fails when any of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Emscripten with Debian's python3, not a pyenv shim on PATH (scripts/build.sh says why): the
# new-module tests call em++ too.
if [[ -z ${EMSDK_PYTHON:-} && -x /usr/bin/python3 ]]; then export EMSDK_PYTHON=/usr/bin/python3; fi

started=$SECONDS
bash scripts/setup.sh
# (The native tree's build includes the fuzz smoke targets, which scripts/checks/fuzz.sh runs
# below.)
bash scripts/build.sh all

# Consistency checks (migrations in sync, crons in step with wrangler.toml, the format, the fuzz
# smoke): every scripts/checks/*.sh must exit 0. They run in the background, niced, one after
# another; each line of their output is kept for the end.
shopt -s nullglob
checks=(scripts/checks/*.sh)
shopt -u nullglob
checks_log=build/checks.log
echo "== ${#checks[@]} consistency checks (scripts/checks: $(basename -s .sh "${checks[@]}" | tr '\n' ' ' | sed 's/ $//')) beside the tests below; their output follows them"
(
  failed=()
  for check in "${checks[@]}"; do
    echo "== check: $(basename "$check" .sh)"
    check_started=$SECONDS
    if nice -n 5 bash "$check" </dev/null 2>&1; then
      echo "   ($(basename "$check" .sh): ok, $((SECONDS - check_started)) s)"
    else
      echo "   ($(basename "$check" .sh): FAILED)"
      failed+=("$(basename "$check" .sh)")
    fi
  done
  ((${#failed[@]} == 0)) || { echo "checks FAILED: ${failed[*]}"; exit 1; }
) >"$checks_log" 2>&1 &
checks_pid=$!
# Ends the background checks (and what they started) when this script is interrupted or fails
# early.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap 'kill_tree "$checks_pid"' EXIT

echo "== native unit tests (ctest)"
ctest --preset native

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
# The files that take longest start first, so that the short ones fill in beside them instead of
# one long file running alone at the end. (`node --test` would sort the files by path, which
# starts tests/worker/ last: scripts/lib/run-node-tests.mjs runs them with node's test runner in
# the order given.)
slow_first=(
  tests/tools/new_module.test.mjs
  modules/remind/tests/remind.test.mjs
  tests/worker/soak.test.mjs
  tests/tools/deploy.test.mjs
  tests/worker/migrations.test.mjs
  tests/tools/start.test.mjs
  tests/tools/db_scripts.test.mjs
  tests/worker/memory.test.mjs
)
ordered=()
for file in "${slow_first[@]}"; do
  [[ " ${node_tests[*]} " == *" $file "* ]] && ordered+=("$file")
done
for file in "${node_tests[@]}"; do
  [[ " ${ordered[*]} " == *" $file "* ]] || ordered+=("$file")
done
concurrency=${MITI_TEST_CONCURRENCY:-2}
echo "== Worker and tool tests in workerd (Miniflare) and node: ${#ordered[@]} files, $concurrency at a time"
node_status=0
node scripts/lib/run-node-tests.mjs --concurrency "$concurrency" "${ordered[@]}" || node_status=$?

checks_status=0
wait "$checks_pid" || checks_status=$?
trap - EXIT
cat "$checks_log"
if ((node_status != 0 || checks_status != 0)); then
  ((node_status == 0)) || echo "test: node tests FAILED (exit $node_status)" >&2
  ((checks_status == 0)) || echo "test: consistency checks FAILED (see above)" >&2
  exit 1
fi
echo "== all passed in $((SECONDS - started)) s"
