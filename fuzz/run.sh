#!/bin/sh
# Builds the fuzz targets (clang, libFuzzer, ASan+UBSan) in BUILD_DIR and
# runs each for SECONDS seconds, one after the other; `make fuzz
# FUZZ_SECONDS=N` calls it. New inputs go to BUILD_DIR/corpus/<target>
# (the committed seeds in fuzz/corpus/<target> and the inputs of past
# findings in fuzz/regressions/<target> are read, never written);
# a crash leaves its input in BUILD_DIR/artifacts/ and fails the run.
# Prints each target's executions and coverage.
#
# usage: fuzz/run.sh SECONDS [BUILD_DIR] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build-fuzz}
[ $# -ge 2 ] && shift 2 || shift $#
targets=${*:-"kernel npy netdef"}
jobs=${JOBS:-2}

sh scripts/install-fuzz-deps.sh
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S fuzz -B "$build" -DCMAKE_C_COMPILER="${FUZZ_CC:-clang}" >/dev/null
fi
cmake --build "$build" -j "$jobs"

mkdir -p "$build/artifacts"
status=0
for t in $targets; do
  mkdir -p "$build/corpus/$t"
  dict=""
  [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
  # The inputs of past findings run first, with the seeds.
  regressions=""
  [ -d "fuzz/regressions/$t" ] && regressions="fuzz/regressions/$t"
  log="$build/fuzz_$t.log"
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  # -timeout: one input running 10 s is a hang; -rss_limit_mb: a leak or a
  # runaway allocation. Leaks are checked (ASan) as libFuzzer goes.
  # shellcheck disable=SC2086
  if "./$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$build/artifacts/fuzz_$t-" $dict \
       "$build/corpus/$t" "fuzz/corpus/$t" $regressions >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" |
      sed 's/^stat::/   /'
    grep -E '#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed 's/^/   /'
  else
    status=1
    echo "!! fuzz_$t FAILED: see $log; inputs in $build/artifacts/" >&2
    grep -E 'ERROR|fuzz_[a-z]+:|SUMMARY|Test unit written' "$log" | head -20 >&2
  fi
done
exit $status
