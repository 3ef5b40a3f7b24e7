#!/usr/bin/env bash
# What `npm run bench` needs beyond the Worker's own build (scripts/build.sh wasm):
#  - grammY for the comparison Worker, from bench/package-lock.json into
#    bench/node_modules (npm ci --prefix bench), when missing or older than the lock;
#  - a names-preserving build of the same wasm (--profiling-funcs) in
#    build/wasm-names, for the table of the largest functions. Its code is the
#    same as build/wasm's (bench/run.mjs checks); only a "name" section is added.
#    BENCH_NAMES=0 skips it (the table is then left out).
# The root `npm test` needs none of this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/cmake-tree.sh

if [[ ! -f bench/node_modules/.package-lock.json || bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
  echo "bench: installing the bench's npm packages (npm ci --prefix bench)"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi

if [[ "${BENCH_NAMES:-1}" != "0" ]]; then
  mkdir -p build
  exec 9>build/.lock  # the lock scripts/build.sh takes: one build at a time
  flock 9
  if [[ ! -f build/wasm-names/CMakeCache.txt ]]; then
    echo "bench: configuring the names-preserving wasm build (build/wasm-names; the first build takes a few minutes)"
  fi
  configure_tree build/wasm-names --preset wasm -B build/wasm-names -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs
  cmake --build build/wasm-names -j2 >build/wasm-names/build.log 2>&1 || { cat build/wasm-names/build.log >&2; exit 1; }
fi
