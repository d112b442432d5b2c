#!/usr/bin/env bash
# Builds and runs the out-of-cache study (out_of_cache.cpp): each SIMD f32 softmax algorithm
# on one row of 1 GiB beside bandwidth_probe's ceiling for its own passes, with the avx3 and
# the avx2 target forced, and writes reports/out_of_cache.tsv (raw: provenance, machine,
# the driver's output) and reports/out_of_cache.md (every figure, the fraction of the
# ceiling, the paper's two-pass claim beside the measured speedups). With the defaults (one
# 1 GiB row, 5 rounds, avx3 and avx2) the driver takes about 45 s and 2.1 GB of memory
# (measured once: 42 s, 2.10 GB peak RSS), plus the build.
# Usage: analyses/perf/out_of_cache.sh [BUILD_DIR [DRIVER OPTIONS...]]
#   (default build-perf; Release, analyses on, -j2; DRIVER OPTIONS go to out_of_cache, e.g.
#   analyses/perf/out_of_cache.sh build-perf --bytes 2147483648 --rounds 7)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
command="analyses/perf/out_of_cache.sh${*:+ $*}"
build=${1:-$root/build-perf}
if (($#)); then shift; fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOFTCHECK_BUILD_ANALYSES=ON >/dev/null
cmake --build "$build" -j2 --target out_of_cache
mkdir -p "$root/reports"
tsv=$root/reports/out_of_cache.tsv
md=$root/reports/out_of_cache.md
trap 'rm -f "$tsv.tmp"' EXIT  # a failed run leaves the previous report as it was
# Provenance first (tests/cli/test_provenance.py): the command and the commit the binary was
# just built from (git describe adds -dirty when tracked files differ from it); then the
# machine, and the load before and after (another process on the cores moves the figures).
commit=$(git -C "$root" describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)
lscpu_field() { LC_ALL=C lscpu "${@:2}" | sed -n "s/^$1: *//p" | head -1; }  # FIELD [OPTIONS]
cpu=$(lscpu_field "Model name")
l3=$(lscpu_field "L3 cache")
l3_bytes=$(lscpu_field "L3 cache" -B | cut -d' ' -f1)
l3_getconf=$(getconf LEVEL3_CACHE_SIZE 2>/dev/null || echo unknown)  # VMs may disagree
memory=$(free -g | awk '/^Mem:/ {print $2}')
{
  echo "# command: $command"
  echo "# commit: $commit"
  echo "# cpu: $cpu; $(nproc) CPUs; L3 $l3 (lscpu; getconf LEVEL3_CACHE_SIZE: $l3_getconf);" \
       "$memory GiB memory"
  echo "# l3_bytes: ${l3_bytes:-unknown}"
  echo "# l3_bytes_getconf: $l3_getconf"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/out_of_cache" "$@"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$tsv.tmp"
mv "$tsv.tmp" "$tsv"
cat "$tsv"
/usr/bin/python3 "$root/analyses/perf/out_of_cache_report.py" "$tsv" "$md"
echo "wrote reports/out_of_cache.tsv and reports/out_of_cache.md"
