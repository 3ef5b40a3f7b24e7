# Sourced by the scripts that configure the project's CMake trees (scripts/build.sh,
# scripts/fuzz.sh, bench/prepare.sh).
#
# CMakePresets.json builds with Ninja: a build that has nothing to do returns in a tenth of a
# second (make took 1.5 s to find that out, and `npm run deploy`, `npm start` and their tests
# ask often), and a clean native build is ~10 s shorter on two cores.

# configure_tree DIR [cmake --preset arguments...]: configures DIR when it has no CMake cache.
# A tree configured with another generator (make, before the presets moved to Ninja) cannot
# be reconfigured in place: it is removed first and configured afresh. Output goes to DIR's
# configure.log, shown only when configuring fails.
configure_tree() {
  local dir=$1
  shift
  local cache=$dir/CMakeCache.txt
  if [[ -f $cache ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    echo "build: $dir was configured for another generator; configuring it afresh for Ninja" >&2
    rm -rf "$dir"
  fi
  [[ -f $cache ]] && return 0
  mkdir -p "$dir"
  if ! cmake "$@" >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log" >&2
    return 1
  fi
}

# Ninja's progress lines in make's form, "[ 42%] Building CXX object ..." (scripts/build.sh
# shortens them).
export NINJA_STATUS="[%p] "
