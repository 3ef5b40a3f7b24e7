#!/usr/bin/env bash
# Every C++ file is clang-format clean (`npm run lint -- --fix` formats them).
# clang-tidy runs with `npm run lint` (it takes minutes, so not on every test run).
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! clang-format --dry-run --Werror "${files[@]}" 2>"$log"; then
  grep -E "error:" "$log" | sed 's/: error: code should be clang-formatted.*//' | sort -u | head -20 >&2
  echo "format: the files above are not clang-format clean; run: bash scripts/lint.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} C++ files are clang-format clean"
