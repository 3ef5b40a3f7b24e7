#!/usr/bin/env bash
# Every C++ file is clang-format clean; with --fix, formats them in place
# (`npm run format`). clang-tidy runs with `npm run lint` (it takes minutes, so
# not on every test run).
#   scripts/checks/format.sh [--fix]
#
# The files are what CI sees once `git add -A` is committed: tracked files plus
# untracked ones git does not ignore (a new module is checked before its first
# `git add`), never build/ or node_modules/, and not files deleted from the
# work tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
fix=false
case "${1:-}" in
  "") ;;
  --fix) fix=true ;;
  *) echo "usage: scripts/checks/format.sh [--fix]" >&2; exit 2 ;;
esac
if ! command -v clang-format >/dev/null 2>&1; then
  echo "format: clang-format is not installed (bash scripts/setup.sh installs it)" >&2
  exit 1
fi

list_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- '*.cpp' '*.hpp'
  else
    # Not a git checkout (an unpacked archive): every C++ file in the tree.
    find . \( -name build -o -name node_modules -o -name .git \) -prune -o \
      -type f \( -name '*.cpp' -o -name '*.hpp' \) -printf '%P\0'
  fi
}
files=()
while IFS= read -r -d '' file; do
  [[ $file =~ (^|/)(build|node_modules)/ ]] && continue
  [[ -f $file ]] || continue # deleted in the work tree, not yet committed
  files+=("$file")
done < <(list_files | sort -zu)
if ((${#files[@]} == 0)); then
  echo "format: no C++ files found" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if $fix; then
  # Only the files that change are rewritten, and each is named.
  status=0
  clang-format --dry-run "${files[@]}" 2>"$log" || status=$?
  mapfile -t changed < <(sed -nE 's/^(.*):[0-9]+:[0-9]+: warning: code should be clang-formatted.*/\1/p' "$log" | sort -u)
  if ((status != 0)); then
    cat "$log" >&2
    echo "format: clang-format failed" >&2
    exit 1
  fi
  if ((${#changed[@]} > 0)); then
    clang-format -i "${changed[@]}"
    printf 'format: formatted %s\n' "${changed[@]}"
  fi
  echo "format: ${#files[@]} C++ files are clang-format clean (${#changed[@]} reformatted)"
  exit 0
fi

if ! clang-format --dry-run --Werror "${files[@]}" 2>"$log"; then
  # One line per file (clang-format reports every offending line); anything
  # else (a bad .clang-format, an unreadable file) is shown as it came.
  mapfile -t bad < <(sed -nE 's/^(.*):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' "$log" | sort -u)
  if ((${#bad[@]} == 0)); then
    cat "$log" >&2
    echo "format: clang-format failed" >&2
    exit 1
  fi
  printf '%s\n' "${bad[@]:0:20}" >&2
  ((${#bad[@]} > 20)) && echo "... and $((${#bad[@]} - 20)) more" >&2
  echo "format: the ${#bad[@]} file(s) above are not clang-format clean; run: npm run format" >&2
  exit 1
fi
echo "format: ${#files[@]} C++ files are clang-format clean"
