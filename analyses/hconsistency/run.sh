#!/bin/sh
# H-consistency bounds of the comp-sum losses: for tau in {0, 0.5, 1, 1.5, 2} and n in
# {2, 3, 10}, 10^5 samples each and the worst-case search (softcheck hconsistency --search),
# JSON per (tau, n) into reports/hconsistency/, then the figures and summary (plot.py).
# Usage: analyses/hconsistency/run.sh [path/to/softcheck] [samples]   (from the repository root)
set -eu
BINARY=${1:-./build/softcheck}
SAMPLES=${2:-100000}
OUT=reports/hconsistency
mkdir -p "$OUT"
start=$(date +%s)
version=$("$BINARY" --version)
for tau in 0 0.5 1 1.5 2; do
  for n in 2 3 10; do  # the three n of one tau run side by side (exit 1 = a violation, kept in .txt)
    args="hconsistency --tau $tau --classes $n --samples $SAMPLES --search --seed 1 --quiet"
    # The text output, after a line naming its command and softcheck's commit.
    { echo "Written by \`softcheck $args --json $OUT/tau$tau-n$n.json\` (softcheck $version)"
      # shellcheck disable=SC2086  # args are words
      "$BINARY" $args --json "$OUT/tau$tau-n$n.json"; } > "$OUT/tau$tau-n$n.txt" &
  done
  wait
done
echo "hconsistency: runs took $(( $(date +%s) - start )) s"
/usr/bin/python3 analyses/hconsistency/plot.py "$OUT"
if grep -l "FAIL" "$OUT"/*.txt; then exit 1; fi
