#!/usr/bin/env bash
# npm test: set up, build native and wasm, then run every test and check.
#
# After the builds (the native tree with the fuzz smoke targets, then the wasm), two things run
# side by side so that both cores stay busy (the node tests wait on workerd and wrangler much of
# the time):
#   - the node tests, several files at a time, the longest first (MITI_TEST_CONCURRENCY,
#     default 2: on two cores, 3 at a time took longer, 275 s against 237 s for the same files,
#     with a fifth more CPU time);
#   - beside them, niced, one after another: ctest, the soak test and the consistency checks
#     (scripts/checks/*.sh; the fuzz smoke runs there), their output kept in build/beside.log
#     and shown after the node tests.
# A first run on a clean clone of a two-core machine: about 6 minutes (2 December 2026).
# The run fails when any of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Emscripten with Debian's python3, not a pyenv shim on PATH (scripts/build.sh says why): the
# new-module tests call em++ too.
if [[ -z ${EMSDK_PYTHON:-} && -x /usr/bin/python3 ]]; then export EMSDK_PYTHON=/usr/bin/python3; fi

started=$SECONDS
bash scripts/setup.sh --debian --quiet
# npm's packages (wrangler, miniflare, binaryen) install while the native tree builds, which
# needs none of them; the wasm build (binaryen's wasm-opt) waits for them. The native tree's
# build includes the fuzz smoke targets, which scripts/checks/fuzz.sh runs below.
bash scripts/setup.sh --npm &
npm_setup_pid=$!
if ! bash scripts/build.sh native; then
  wait "$npm_setup_pid" || true
  exit 1
fi
wait "$npm_setup_pid"
bash scripts/build.sh wasm

# Beside the node tests, in the background, niced, one after another, each line of their
# output kept for the end (build/beside.log):
#   - ctest: the native unit tests (the Catch2 binary);
#   - the soak test (tests/worker/soak.test.mjs): most of its ~40 s is spent waiting for
#     re-delivered updates to give up on an earlier delivery, which would hold a test lane idle;
#   - the consistency checks (migrations in sync, crons in step with wrangler.toml, the format,
#     the fuzz smoke): every scripts/checks/*.sh must exit 0.
beside_tests=(tests/worker/soak.test.mjs)
shopt -s nullglob
checks=(scripts/checks/*.sh)
shopt -u nullglob
beside_log=build/beside.log
echo "== beside the tests below: ctest, ${beside_tests[*]}, ${#checks[@]} consistency checks (scripts/checks: $(basename -s .sh "${checks[@]}" | tr '\n' ' ' | sed 's/ $//')); their output follows them"
run_beside() {
  local label=$1 began=$SECONDS
  shift
  echo "== $label"
  if nice -n 5 "$@" </dev/null 2>&1; then
    echo "   ($label: ok, $((SECONDS - began)) s)"
  else
    echo "   ($label: FAILED)"
    return 1
  fi
}
(
  failed=()
  run_beside "native unit tests (ctest)" ctest --preset native || failed+=(ctest)
  for file in "${beside_tests[@]}"; do
    [[ -f $file ]] || continue
    run_beside "$file" node --test --test-force-exit --test-reporter=spec "$file" || failed+=("$file")
  done
  for check in "${checks[@]}"; do
    run_beside "check: $(basename "$check" .sh)" bash "$check" || failed+=("$(basename "$check" .sh)")
  done
  ((${#failed[@]} == 0)) || { echo "beside the tests, FAILED: ${failed[*]}"; exit 1; }
) >"$beside_log" 2>&1 &
beside_pid=$!
# Ends the background jobs (and what they started) when this script is interrupted or fails
# early.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap 'kill_tree "$beside_pid"' EXIT

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
  [[ " ${ordered[*]} " == *" $file "* || " ${beside_tests[*]} " == *" $file "* ]] || ordered+=("$file")
done
concurrency=${MITI_TEST_CONCURRENCY:-2}
echo "== Worker and tool tests in workerd (Miniflare) and node: ${#ordered[@]} files, $concurrency at a time"
node_status=0
node scripts/lib/run-node-tests.mjs --concurrency "$concurrency" "${ordered[@]}" || node_status=$?

beside_status=0
wait "$beside_pid" || beside_status=$?
trap - EXIT
cat "$beside_log"
if ((node_status != 0 || beside_status != 0)); then
  ((node_status == 0)) || echo "test: node tests FAILED (exit $node_status)" >&2
  ((beside_status == 0)) || echo "test: ctest, ${beside_tests[*]} or a consistency check FAILED (see above)" >&2
  exit 1
fi
echo "== all passed in $((SECONDS - started)) s"
