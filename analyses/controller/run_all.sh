#!/bin/bash
# Every controller analysis, two at a time (one libtorch thread each), then their plots:
#   analyses/controller/run_all.sh            # the full set (reports/controller/*)
#   analyses/controller/run_all.sh --quick    # the smoke sizes (reports/controller/*-quick)
# Console logs: <out>/<analysis>.run.log (not committed: each analysis keeps its controller_study
# log, which names its command and commit, beside its CSVs). CONTROLLER_STUDY, BUILD_DIR and OUT
# are passed through.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ -z "${CONTROLLER_STUDY:-}" ]; then
  build=${BUILD_DIR:-build}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOFTCHECK_BUILD_ANALYSES=ON > /dev/null
  cmake --build "$build" -j2 --target controller_study > /dev/null
  export CONTROLLER_STUDY=$build/analyses/controller/controller_study
fi
logs=${OUT:-reports/controller}
mkdir -p "$logs"
start=$(date +%s)
status=0
# the two longest first, on separate cores
( analyses/phase_transition/run.sh "$@" > "$logs/phase_transition.run.log" 2>&1 &&
  analyses/lr_spike/run.sh "$@" > "$logs/lr_spike.run.log" 2>&1 &&
  analyses/temperature/run.sh "$@" > "$logs/temperature.run.log" 2>&1 ) &
first=$!
( analyses/spike_clipping/run.sh "$@" > "$logs/spike_clipping.run.log" 2>&1 &&
  analyses/controller/run.sh "$@" > "$logs/controller.run.log" 2>&1 ) &
second=$!
wait $first || status=1
wait $second || status=1
echo "run_all.sh: $(( $(date +%s) - start )) s; status $status" >&2
exit $status
