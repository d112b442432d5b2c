#!/bin/bash
# Builds the grokking driver, trains every run of the analysis (or the runs named as
# arguments), and plots. Output: reports/grokking/<run>.csv and reports/grokking/*.png; each
# run's progress log goes to build-grok/grokking-logs/<run>.log.
#
#   analyses/grokking/run.sh                          # all runs, 2 at a time
#   JOBS=1 analyses/grokking/run.sh softmax-f32       # one run
#
# Runs are niced (10) and use one libtorch thread each. libtorch from Debian calls the
# system BLAS (libblas.so.3); the reference BLAS makes a step ~6x slower than OpenBLAS, so
# when Debian's libopenblas0-serial is installed its libblas.so.3 is used for these runs only
# (LD_LIBRARY_PATH), leaving the system's choice alone. Each CSV records which BLAS it used.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-build-grok}
out=reports/grokking
logs=$build/grokking-logs
jobs=${JOBS:-2}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target grokking
grokking=$build/analyses/grokking/grokking

openblas=/usr/lib/x86_64-linux-gnu/openblas-serial
if [ -e "$openblas/libblas.so.3" ]; then
  export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  echo "run.sh: OpenBLAS not found (apt-get install libopenblas0-serial); the reference BLAS is slow" >&2
fi

# name and options of every run; all share seed 1, lr 1e-2, train fraction 0.4 (the paper's
# Figure 1 settings). StableMax uses beta2 = 0.999 as the paper's StableMax runs do.
declare -A options=(
  [softmax-f32]="--steps 5000 --log-every 50"
  [softmax-f64]="--steps 2500 --log-every 50"
  [stablemax-f32]="--steps 10000 --log-every 200 --beta2 0.999"
  [perpgrad-f32]="--steps 600 --log-every 20"
  [softmax-bf16]="--steps 1000 --log-every 25"
)
order=(stablemax-f32 softmax-f32 softmax-f64 perpgrad-f32 softmax-bf16)
[ $# -gt 0 ] && order=("$@")

mkdir -p "$out" "$logs"
for run in "${order[@]}"; do
  [ -n "${options[$run]+set}" ] || { echo "run.sh: unknown run $run" >&2; exit 2; }
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "run.sh: $run (${options[$run]})"
  # shellcheck disable=SC2086  # options are words
  rm -f "$logs/$run.rc"
  ( status=0
    nice -n 10 "$grokking" --run "$run" --seed 1 --lr 1e-2 --train-fraction 0.4 --threads 1 \
      ${options[$run]} --out "$out/$run.csv" > "$logs/$run.log" 2>&1 || status=$?
    echo "$status" > "$logs/$run.rc" ) &
done
wait
for run in "${order[@]}"; do
  [ "$(cat "$logs/$run.rc")" = 0 ] || { echo "run.sh: $run failed; see $logs/$run.log" >&2; exit 1; }
done

/usr/bin/python3 analyses/grokking/plot.py "$out"
