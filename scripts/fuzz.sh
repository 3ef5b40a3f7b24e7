#!/usr/bin/env bash
# Builds miti's libFuzzer targets (tests/fuzz) and runs them. docs/fuzzing.md says what each target
# checks. Two builds of the same targets:
#   - long runs (the default): the standalone tests/fuzz project in build/fuzz/, everything under
#     test compiled -O1 with coverage, ASan and UBSan;
#   - --smoke (npm test): the targets inside the native tree (build/native/tests/fuzz/), the small
#     parsers with coverage, ASan and UBSan at -O0, the webhook target on the native tree's own
#     core and modules (no coverage or sanitizers inside them), so that a first `npm test`
#     compiles a dozen files for it instead of the whole Worker again.
#
#   scripts/fuzz.sh [--time SECONDS] [--runs N] [--merge] [target...]   (npm run fuzz -- ...)
#   scripts/fuzz.sh --smoke [target...]                                  (scripts/checks/fuzz.sh)
#   scripts/fuzz.sh [--smoke] --list | --build
#
#   --time S   fuzz each target for S seconds (default 60)
#   --runs N   fuzz each target for N executions instead (with --time too: whichever comes first)
#   --merge    afterwards, add the working-corpus inputs that reach new edges to the committed
#              corpus tests/fuzz/corpus/<target>/ (libFuzzer's -merge=1 -use_counters=0)
#   --smoke    the npm test check: a fixed number of runs with a fixed seed, starting from the
#              committed corpus only, so every run does the same thing (built in build/native)
#   --jobs N   build jobs (default 2)
#
# Long runs: each target fuzzes with two corpus folders: build/fuzz/corpus/<target>/ (the git-ignored working
# corpus, where new inputs go) and tests/fuzz/corpus/<target>/ (committed seeds, read only). A
# finding is saved under build/fuzz/artifacts/<target>/ and makes the script exit non-zero.
# Targets run one at a time under `nice`. Without target names, every target in
# build/fuzz/targets.txt runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/cmake-tree.sh

time_per_target=60
time_given=false
runs=""
merge=false
smoke=false
jobs=2
action=run
targets=()
while (($# > 0)); do
  case $1 in
    --time) time_per_target=${2:?--time needs seconds}; time_given=true; shift 2 ;;
    --time=*) time_per_target=${1#--time=}; time_given=true; shift ;;
    --runs) runs=${2:?--runs needs a count}; shift 2 ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    --merge) merge=true; shift ;;
    --smoke) smoke=true; shift ;;
    --jobs) jobs=${2:?--jobs needs a count}; shift 2 ;;
    --list) action=list; shift ;;
    --build) action=build; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $time_per_target =~ ^[0-9]+$ ]] || { echo "fuzz: --time wants whole seconds" >&2; exit 2; }
[[ -z $runs || $runs =~ ^[0-9]+$ ]] || { echo "fuzz: --runs wants a count" >&2; exit 2; }

# --- prerequisites: clang and its libFuzzer/sanitizer runtimes ------------------------------
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
if command -v clang++ >/dev/null 2>&1; then
  runtime=$(clang++ -print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null || true)
  [[ $runtime == /* && -f $runtime ]] || missing+=(libclang-rt-14-dev)
else
  missing+=(clang libclang-rt-14-dev)
fi
if ((${#missing[@]} > 0)); then
  echo "fuzz: missing Debian packages: ${missing[*]} (clang's libFuzzer, ASan and UBSan runtimes)" >&2
  echo "fuzz: install them, then run this again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

# --- configure and build (serialised: npm test and npm run fuzz may overlap) ---------------------
if $smoke; then
  # The native tree's smoke targets, under scripts/build.sh's lock of build/.
  build=build/native/tests/fuzz
  mkdir -p build
  {
    flock 9
    configure_tree build/native --preset native || exit 1
  } 9>build/.lock
else
  build=build/fuzz
  mkdir -p "$build"
  configure_args=(-S tests/fuzz -B "$build" -G "Unix Makefiles" -DCMAKE_CXX_COMPILER=clang++)
  {
    flock 9
    # Quick when nothing changed; writes build/fuzz/targets.txt.
    cmake "${configure_args[@]}" >"$build/configure.log" 2>&1 || {
      cat "$build/configure.log" >&2
      exit 1
    }
  } 9>"$build/.lock"
fi
mapfile -t known < <(grep -v '^$' "$build/targets.txt")
if [[ $action == list ]]; then
  printf '%s\n' "${known[@]}"
  exit 0
fi
((${#targets[@]} > 0)) || targets=($(grep -v '^$' "$build/targets.txt"))
for target in "${targets[@]}"; do
  if [[ " ${known[*]} " != *" $target "* ]]; then
    echo "fuzz: no target '$target' (targets: ${known[*]})" >&2
    exit 2
  fi
done

build_started=$SECONDS
if $smoke; then
  echo "fuzz: building ${#targets[@]} smoke target(s) in build/native (tests/fuzz, ASan + UBSan)" >&2
  lock=build/.lock
  build_command=(cmake --build build/native -j "$jobs" --target "${targets[@]/#/miti_fuzz_}")
else
  lock=$build/.lock
  build_command=(cmake --build "$build" -j "$jobs" --target "${targets[@]/#/miti_fuzz_}")
fi
{
  flock 9
  build_log=$build/build.log
  mkdir -p "$build"
  if ! "${build_command[@]}" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "fuzz: the build failed (log: $build_log)" >&2
    exit 1
  fi
} 9>"$lock"
build_seconds=$((SECONDS - build_started))
if ! $smoke || [[ $action == build ]]; then
  echo "fuzz: built ${#targets[@]} target(s) in ${build_seconds}s ($build/)"
fi
[[ $action == build ]] && exit 0

# --- run -------------------------------------------------------------------------------------
# Findings stop the target at once: UBSan aborts (-fno-sanitize-recover) and ASan reports;
# leaks are reported too. A run that hangs for 10 s is a finding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
smoke_runs=${runs:-10000}
failed=()
summary=()
for target in "${targets[@]}"; do
  binary=$build/fuzz_$target
  seeds=tests/fuzz/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/logs/$target.log
  mkdir -p "$seeds" "$artifacts" "$(dirname "$log")"
  args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "-artifact_prefix=$artifacts/")
  [[ -f tests/fuzz/dict/$target.dict ]] && args+=("-dict=tests/fuzz/dict/$target.dict")
  if $smoke; then
    work=$(mktemp -d "$build/smoke-$target.XXXXXX")
    args+=(-seed=1 "-runs=$smoke_runs")
  else
    work=$build/corpus/$target
    mkdir -p "$work"
    limit="${time_per_target}s"
    if [[ -n $runs ]]; then
      args+=("-runs=$runs")
      limit="$runs runs"
      if $time_given; then
        args+=("-max_total_time=$time_per_target")
        limit+=" or ${time_per_target}s"
      fi
    else
      args+=("-max_total_time=$time_per_target")
    fi
    echo "fuzz: $target: $limit (log: $log)"
  fi
  started=$SECONDS
  status=0
  nice -n 10 "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || status=$?
  seconds=$((SECONDS - started))
  $smoke && rm -rf "$work"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  executions=${executions:-?}
  if ((status == 0)); then
    summary+=("$(printf '%-14s %12s executions  %5ss  ok' "$target" "$executions" "$seconds")")
  else
    failed+=("$target")
    summary+=("$(printf '%-14s %12s executions  %5ss  FOUND A PROBLEM (exit %s)' "$target" \
      "$executions" "$seconds" "$status")")
    {
      echo "fuzz: $target found a problem; from $log:"
      grep -E "fuzz property failed|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY|Test unit written" \
        "$log" | head -8 | sed 's/^/  /'
      artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
      if [[ -n $artifact ]]; then
        echo "  reproduce: $binary $artifact"
        echo "  minimise:  $binary -minimize_crash=1 -runs=10000 $artifact"
      fi
    } >&2
  fi
  if $merge && ! $smoke && ((status == 0)); then
    before=$(find "$seeds" -type f | wc -l)
    # Edges only (-use_counters=0): hit counts would keep hundreds of near-duplicates.
    nice -n 10 "$binary" -merge=1 -use_counters=0 "$seeds" "$work" >"$build/logs/$target.merge.log" 2>&1
    after=$(find "$seeds" -type f | wc -l)
    echo "fuzz: $target: merged $((after - before)) new input(s) into $seeds/"
  fi
done

if $smoke; then
  total=0
  for line in "${summary[@]}"; do
    n=$(awk '{print $2}' <<<"$line")
    [[ $n =~ ^[0-9]+$ ]] && total=$((total + n))
  done
  if ((${#failed[@]} == 0)); then
    echo "fuzz: ${#targets[@]} targets, $total executions (seed 1, $smoke_runs runs each), no findings; build ${build_seconds}s"
  else
    printf '  %s\n' "${summary[@]}" >&2
  fi
else
  echo "fuzz: results"
  printf '  %s\n' "${summary[@]}"
fi
if ((${#failed[@]} > 0)); then
  echo "fuzz: FAILED: ${failed[*]} (artifacts under $build/artifacts/)" >&2
  exit 1
fi
