#!/usr/bin/env bash
# Installs what building and testing miti needs, and nothing when it is all
# there already: Debian packages (emscripten, cmake and ninja, clang, headers, the
# sanitizer and libFuzzer runtimes) and the pinned npm tooling (wrangler,
# miniflare) from package-lock.json. clang-tidy is not installed here: only
# `npm run lint` uses it, and it says so when it is missing.
#   scripts/setup.sh [--quiet]
#   scripts/setup.sh --debian | --npm   only that part (npm test installs the npm
#                                        packages while the native tree builds)
# Progress goes to stderr. --quiet drops the "ready" line; what is being
# installed is always shown (an install takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=false
debian=true
npm=true
usage() { echo "usage: scripts/setup.sh [--quiet] [--debian | --npm]" >&2; exit 2; }
for arg in "$@"; do
  case $arg in
    --quiet) quiet=true ;;
    --debian) npm=false ;;
    --npm) debian=false ;;
    *) usage ;;
  esac
done
# (--debian with --npm would leave nothing to do.)
$debian || $npm || usage
say() { echo "setup: $*" >&2; }

# package.json "engines": node >= 20.3.0.
read -r node_major node_minor < <(node -p 'process.versions.node.split(".").slice(0, 2).join(" ")' 2>/dev/null || echo 0 0)
if (( node_major < 20 || (node_major == 20 && node_minor < 3) )); then
  echo "setup: Node.js 20.3 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# package -> a file or command that shows it is installed (a file probe may
# be a glob: the first match counts).
declare -A probes=(
  [cmake]="cmd:cmake"
  [clang]="cmd:clang++"
  [make]="cmd:make"
  [ninja-build]="cmd:ninja"
  [emscripten]="cmd:emcc"
  [catch2]="file:/usr/include/catch2/catch.hpp"
  [node-acorn]="file:/usr/share/nodejs/acorn/package.json"
  [clang-format]="cmd:clang-format"
  [libclang-rt-14-dev]="file:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a"
)
present() {
  local probe=$1
  case $probe in
    cmd:*) command -v "${probe#cmd:}" >/dev/null 2>&1 ;;
    file:*) compgen -G "${probe#file:}" >/dev/null ;;
  esac
}
missing=()
if $debian; then
  for package in $(printf '%s\n' "${!probes[@]}" | sort); do
    present "${probes[$package]}" || missing+=("$package")
  done
fi

need_npm=false
$npm && [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]] && need_npm=true

if (( ${#missing[@]} > 0 )) && ! { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; }; then
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: install them, then run this again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

steps=0
(( ${#missing[@]} > 0 )) && steps=$((steps + 1))
$need_npm && steps=$((steps + 1))
step=0

if (( ${#missing[@]} > 0 )); then
  step=$((step + 1))
  say "installing ${#missing[@]} Debian package(s) ($step/$steps): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  say "  apt-get update"
  apt-get update -qq
  # apt's own count of what it will unpack (dependencies included), then one
  # line per package as it is set up, numbered against that count.
  total=$(apt-get install -s -y --no-install-recommends "${missing[@]}" | grep -c '^Inst ' || true)
  say "  downloading and installing $total package(s) with their dependencies"
  # One line per package apt sets up. A shell loop, not awk: mawk reads its
  # input in blocks and would hold the lines back until apt ends.
  apt_progress() {
    local line n=0
    while IFS= read -r line; do
      if [[ $line =~ ^Setting\ up\ ([^ ]+) ]]; then
        n=$((n + 1))
        echo "setup:   set up $n/$1: ${BASH_REMATCH[1]}"
      fi
    done
  }
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  if ! apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" 2>&1 |
    tee "$log" | apt_progress "$total" >&2; then
    cat "$log" >&2
    echo "setup: apt-get install failed (its output is above)" >&2
    exit 1
  fi
  # Every probe must hold now.
  for package in "${missing[@]}"; do
    if ! present "${probes[$package]}"; then
      echo "setup: $package was installed but ${probes[$package]#*:} is still missing" >&2
      exit 1
    fi
  done
fi

if $need_npm; then
  step=$((step + 1))
  say "installing npm packages ($step/$steps): npm ci (wrangler, miniflare from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
$quiet || say "ready"
