#!/usr/bin/env bash
# Builds the native tree (unit tests, tools) and/or the wasm module the Worker
# runs. Serialised with a lock so parallel callers never share a half-built tree.
#   scripts/build.sh [native|wasm|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
mkdir -p build
exec 9>build/.lock
flock 9

build_preset() {
  local preset=$1
  if [[ ! -f build/$preset/CMakeCache.txt ]]; then
    cmake --preset "$preset" >/dev/null
  fi
  cmake --build --preset "$preset" -- --no-print-directory -s
}

case $target in
  native) build_preset native ;;
  wasm) build_preset wasm ;;
  all) build_preset native && build_preset wasm ;;
  *) echo "usage: scripts/build.sh [native|wasm|all]" >&2; exit 2 ;;
esac
