#!/usr/bin/env bash
# Builds and runs the f32 softmax throughput benchmark (softmax_throughput.cpp) and writes
# reports/perf.tsv (raw), reports/perf.md (tables) and reports/perf.png (plot).
# Usage: analyses/perf/run.sh [BUILD_DIR]   (default build-perf; Release, -j2)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-perf}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target softmax_throughput
mkdir -p "$root/reports"
# Provenance first (tests/cli/test_provenance.py): the command and the commit the binary was
# just built from (git describe adds -dirty when tracked files differ from it).
commit=$(git -C "$root" describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)
{
  echo "# command: analyses/perf/run.sh${*:+ $*}"
  echo "# commit: $commit"
  "$build/softmax_throughput"
} | tee "$root/reports/perf.tsv"
/usr/bin/python3 "$root/analyses/perf/report.py" "$root/reports/perf.tsv" \
  "$root/reports/perf.md" "$root/reports/perf.png"
echo "wrote reports/perf.md and reports/perf.png"
