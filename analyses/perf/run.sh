#!/usr/bin/env bash
# Builds and runs the softmax-family throughput benchmark (softmax_throughput.cpp) for every
# setup below and writes reports/perf.tsv (raw, one block per setup), reports/perf.md
# (tables) and reports/perf.png (plot of the first setup). About 25 minutes.
# Usage: analyses/perf/run.sh [BUILD_DIR]   (default build-perf; Release, -j2)
# One cell again: build-perf/softmax_throughput --op OP --format F --threads T --lengths N
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-perf}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOFTCHECK_BUILD_ANALYSES=ON >/dev/null
cmake --build "$build" -j2 --target softmax_throughput
mkdir -p "$root/reports"
# op format threads, one setup per line; softmax f32 on one thread first (the plot, the bound).
setups="softmax f32 1
softmax f32 2
softmax bf16 1
softmax bf16 2
softmax f16 1
log_softmax f32 1
log_softmax f32 2
log_softmax bf16 1
log_softmax bf16 2
log_softmax f16 1
cross_entropy f32 1
cross_entropy f32 2
cross_entropy bf16 1
cross_entropy bf16 2
cross_entropy f16 1"
# Provenance first (tests/cli/test_provenance.py): the command and the commit the binary was
# just built from (git describe adds -dirty when tracked files differ from it), and the CPU.
commit=$(git -C "$root" describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)
{
  echo "# command: analyses/perf/run.sh${*:+ $*}"
  echo "# commit: $commit"
  echo "# cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  while read -r op format threads; do
    "$build/softmax_throughput" --op "$op" --format "$format" --threads "$threads"
  done <<< "$setups"
} | tee "$root/reports/perf.tsv"
/usr/bin/python3 "$root/analyses/perf/report.py" "$root/reports/perf.tsv" \
  "$root/reports/perf.md" "$root/reports/perf.png"
echo "wrote reports/perf.md and reports/perf.png"
