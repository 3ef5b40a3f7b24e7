#!/usr/bin/env bash
# Installs what building and testing miti needs, and nothing when it is all
# there already: Debian packages (emscripten, cmake, clang, headers) and the
# pinned npm tooling (wrangler, miniflare) from package-lock.json.
#   scripts/setup.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true
say() { $quiet || echo "setup: $*"; }

# package.json "engines": node >= 20.3.0.
read -r node_major node_minor < <(node -p 'process.versions.node.split(".").slice(0, 2).join(" ")' 2>/dev/null || echo 0 0)
if (( node_major < 20 || (node_major == 20 && node_minor < 3) )); then
  echo "setup: Node.js 20.3 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# package -> a file or command that shows it is installed
declare -A probes=(
  [cmake]="cmd:cmake"
  [clang]="cmd:clang++"
  [make]="cmd:make"
  [emscripten]="cmd:emcc"
  [nlohmann-json3-dev]="file:/usr/include/nlohmann/json.hpp"
  [catch2]="file:/usr/include/catch2/catch.hpp"
  [node-acorn]="file:/usr/share/nodejs/acorn/package.json"
  [clang-format]="cmd:clang-format"
)
missing=()
for package in "${!probes[@]}"; do
  probe=${probes[$package]}
  case $probe in
    cmd:*) command -v "${probe#cmd:}" >/dev/null 2>&1 || missing+=("$package") ;;
    file:*) [[ -e "${probe#file:}" ]] || missing+=("$package") ;;
  esac
done

if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci when node_modules is absent or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "ready"
