#!/usr/bin/env bash
# Builds what is asked for, and only that:
#   scripts/build.sh [tools|native|wasm|all]...   (default: all)
#     tools   the native tools the npm scripts run (miti-manifest, miti-migrations, miti-crons)
#     native  the whole native tree: tools, unit tests and the fuzz smoke targets (tests/fuzz,
#             built with clang only; scripts/fuzz.sh --smoke runs them)
#     wasm    the Worker's wasm module (build/wasm/)
#     all     native, then wasm
# Several targets may be given (`npm start` builds `wasm tools`). Progress goes to
# stderr: one line per step with a count, then the build's percentage lines, shortened.
# Serialised with a lock so parallel callers never share a half-built tree.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/cmake-tree.sh
(($# > 0)) || set -- all
usage() { echo "usage: scripts/build.sh [tools|native|wasm|all]..." >&2; exit 2; }

# The steps, in order: "preset:target:label" (an empty target builds the whole preset).
steps=()
add_step() {
  local step
  for step in "${steps[@]}"; do [[ $step == "$1" ]] && return; done
  steps+=("$1")
}
for target in "$@"; do
  case $target in
    tools) add_step "native:tools:native tools" ;;
    native) add_step "native::native tree: tools, unit tests, fuzz smoke targets" ;;
    wasm) add_step "wasm::wasm Worker" ;;
    all) add_step "native::native tree: tools, unit tests, fuzz smoke targets"; add_step "wasm::wasm Worker" ;;
    *) usage ;;
  esac
done
# `native` already contains `tools`.
for step in "${steps[@]}"; do
  if [[ $step == native::* ]]; then
    kept=()
    for s in "${steps[@]}"; do [[ $s == native:tools:* ]] || kept+=("$s"); done
    steps=("${kept[@]}")
    break
  fi
done

jobs=$(nproc 2>/dev/null || echo 2)
# Debian's emscripten wrappers run their Python scripts with `python3` from PATH, once per
# compiler call; a pyenv shim there costs 0.1-1.5 s of bash per call (it resolves the version
# through a chain of scripts), about a minute of CPU over the wasm build. Debian's own
# interpreter is the one its emscripten package is built for.
if [[ -z ${EMSDK_PYTHON:-} && -x /usr/bin/python3 ]]; then export EMSDK_PYTHON=/usr/bin/python3; fi
tools=(miti-manifest miti-migrations miti-crons)

say() { echo "build: $*" >&2; }

# "[ 42%] Building CXX object CMakeFiles/x.dir/src/a.cpp.o" (Ninja's progress, in make's form:
# scripts/lib/cmake-tree.sh) becomes
# "  [ 42%] src/a.cpp" (and tests/unit/CMakeFiles/y.dir/t.cpp.o tests/unit/t.cpp);
# Ninja's "no work to do" and its glob re-check are dropped; anything else (compiler
# warnings and errors) passes unchanged.
progress() {
  # A shell loop, not awk: mawk reads its input in blocks, which would hold the
  # lines back until the build ends.
  local line pct rest shown=false
  local re='^(\[ *[0-9]+%\]) (Building|Linking) [A-Za-z]+ [a-z ]*(object|library|executable) (.*)$'
  while IFS= read -r line; do
    if [[ $line =~ $re ]]; then
      pct=${BASH_REMATCH[1]}
      rest=${BASH_REMATCH[4]}
      if [[ ${BASH_REMATCH[2]} == Building ]]; then
        [[ $rest =~ ^(.*)CMakeFiles/[^/]+\.dir/(.*)$ ]] && rest=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
        rest=${rest%.o}
        rest=${rest//__\//../}
        echo "  $pct $rest"
      else
        echo "  $pct linking ${rest##*/}"
      fi
      shown=true
    elif [[ $line == "ninja: no work to do." || $line == *"] Re-checking globbed directories..." ]]; then
      continue
    else
      echo "$line"
      shown=true
    fi
  done >&2
  $shown || echo "  up to date" >&2
}

mkdir -p build
exec 9>build/.lock
if ! flock -n 9; then
  say "waiting for another build of this tree to finish"
  flock 9
fi

count=${#steps[@]}
i=0
for step in "${steps[@]}"; do
  i=$((i + 1))
  IFS=: read -r preset target label <<<"$step"
  started=$SECONDS
  say "$label ($i/$count)"
  if [[ ! -f build/$preset/CMakeCache.txt ]]; then say "  configuring build/$preset"; fi
  configure_tree "build/$preset" --preset "$preset" || { say "$label FAILED (configuring)"; exit 1; }
  args=(--build --preset "$preset" --parallel "$jobs")
  if [[ $target == tools ]]; then
    args+=(--target "${tools[@]}")
  elif [[ $preset == native && -f build/native/tests/fuzz/targets.txt ]]; then
    # The fuzz smoke targets (a clang tree has them, tests/fuzz/CMakeLists.txt) are left out of
    # `all`, npm start needs none of them; built in the same run, they fill the cores while the
    # unit tests link.
    args+=(--target all miti_fuzz_smoke)
  fi
  if ! cmake "${args[@]}" 2>&1 | progress; then
    say "$label FAILED (see above)"
    exit 1
  fi
  say "$label done ($((SECONDS - started)) s)"
done
