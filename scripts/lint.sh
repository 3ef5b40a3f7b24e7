#!/usr/bin/env bash
# clang-format check (scripts/checks/format.sh) and clang-tidy over the native compile database
# for every C++ file in the project. Fails on a format difference, a clang-tidy warning, or a
# file clang-tidy cannot compile.
#   scripts/lint.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--fix" ]]; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
  clang-format -i "${files[@]}"
  exit 0
fi

bash scripts/checks/format.sh

if ! command -v clang-tidy >/dev/null; then
  echo "lint: clang-tidy SKIPPED: clang-tidy is not installed (apt-get install clang-tidy)" >&2
  exit 0
fi
if [[ ! -f build/native/compile_commands.json ]]; then
  echo "lint: no build/native/compile_commands.json yet; building native first" >&2
  bash scripts/build.sh native >&2
fi

mapfile -t sources < <(git ls-files 'src/*.cpp' 'modules/*.cpp' 'tools/*.cpp' | grep -v '^src/wasm/' |
  while read -r file; do [[ -f $file ]] && echo "$file"; done)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
clang-tidy -p build/native --quiet "${sources[@]}" >"$log" 2>&1 || status=$?
if ((status != 0)) || grep -qE "(warning|error):" "$log"; then
  grep -E "(warning|error):" "$log" >&2 || cat "$log" >&2
  echo "lint: clang-tidy FAILED (exit $status) over ${#sources[@]} files" >&2
  exit 1
fi
echo "lint: clang-tidy clean (${#sources[@]} files)"
