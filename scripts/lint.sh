#!/usr/bin/env bash
# clang-format check (scripts/checks/format.sh) and clang-tidy over the native compile database
# for every C++ file in the project, tracked or untracked (but not git-ignored). Fails on a
# format difference, a clang-tidy warning, or a file clang-tidy cannot compile.
#   scripts/lint.sh [--fix]   (--fix: format in place, like `npm run format`)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--fix" ]]; then
  # Formats the same files the check looks at (tracked and untracked, not ignored).
  exec bash scripts/checks/format.sh --fix
fi

bash scripts/checks/format.sh

if ! command -v clang-tidy >/dev/null; then
  echo "lint: clang-tidy SKIPPED: clang-tidy is not installed (apt-get install clang-tidy)" >&2
  exit 0
fi
# Building the native tree compiles every module and src/ file and refreshes the compile
# database, so a module added since the last build is in it too (quick when nothing changed);
# the unit tests' precompiled header, which their compile commands name, is built with it.
bash scripts/build.sh native

mapfile -t sources < <(git ls-files --cached --others --exclude-standard 'src/*.cpp' 'modules/*.cpp' 'tools/*.cpp' |
  grep -vE '^src/wasm/|(^|/)(build|node_modules)/' | sort -u |
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
