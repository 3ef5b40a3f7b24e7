#!/usr/bin/env bash
# clang-format check (and clang-tidy over the native compile database) for
# every C++ file in the project.
#   scripts/lint.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"
if [[ -f build/native/compile_commands.json ]] && command -v clang-tidy >/dev/null; then
  mapfile -t sources < <(git ls-files 'src/*.cpp' 'modules/*.cpp' 'tools/*.cpp' | grep -v '^src/wasm/')
  clang-tidy -p build/native --quiet "${sources[@]}" 2>/dev/null | grep -E "warning:|error:" && exit 1
  echo "lint: clang-tidy clean (${#sources[@]} files)"
fi
