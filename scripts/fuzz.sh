#!/bin/bash
# Fuzzes softcheck's parsers of untrusted input with libFuzzer (clang) under AddressSanitizer
# and UndefinedBehaviorSanitizer: .npy files, vector manifests, contract JSON, --logits text
# and plugin tables (fuzz/fuzz_*.cpp).
#
#   ./scripts/fuzz.sh [SECONDS]    each target for SECONDS (default 20), seeded from
#                                  fuzz/corpus/<target>; new inputs go to build-fuzz/corpus/
#
# Targets run FUZZ_JOBS at a time (default 2, this machine's cores), each on one core.
# libFuzzer's random seed is FUZZ_SEED (default 1), so a run replays from the same seed and
# printed corpus (CI stays reproducible); FUZZ_SEED=0 lets libFuzzer pick one.
#
# Prints each target's executions. A crash, leak, sanitizer report or escaped exception stops
# that target with its input saved as build-fuzz/crash-<target>-*; the script then exits 1.
# Copy such an input to fuzz/regressions/<target>/ (ctest replays it: fuzz_replay_<target>)
# and fix the parser.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-20}
seed=${FUZZ_SEED:-1}
jobs=${FUZZ_JOBS:-2}
targets="npy manifest contract logits plugin_table"
CXX=clang++-14 cmake -S fuzz -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build-fuzz -j2 > build-fuzz/build.log 2>&1 ||
  { tail -20 build-fuzz/build.log; echo "fuzz: the build failed (build-fuzz/build.log)" >&2; exit 2; }

# One target for $seconds; its one-line result goes to build-fuzz/result-<target>.
fuzz_one() {
  local target=$1 log=build-fuzz/fuzz-$1.log result runs
  mkdir -p build-fuzz/corpus/$target
  if ./build-fuzz/fuzz_$target -max_total_time="$seconds" -seed="$seed" -max_len=65536 \
       -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$target- \
       build-fuzz/corpus/$target fuzz/corpus/$target > "$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $target: ${runs:-?} executions in ${seconds} s (seed $seed): $result" \
    > build-fuzz/result-$target
}

for target in $targets; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait
status=0
for target in $targets; do
  cat build-fuzz/result-$target
  grep -q ': ok$' build-fuzz/result-$target || status=1
done
exit $status
