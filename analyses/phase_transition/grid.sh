#!/bin/bash
# The phase transition on a fine grid: every architecture trained from seeds 1, 2 and 3 on
# digits and on Fashion-MNIST (10000/2000 subset), then single steps at 81 values of
# r = τ/ρa log-spaced from 0.01 to 100 (20 per decade, r = 1 on the grid) along the gradient and
# 20 random directions (10 on Fashion-MNIST); grid_summary.py writes the onset statistics with
# their spread over seeds and directions, and every step with r < 1 that collapses a model.
#   analyses/phase_transition/grid.sh [--quick]   # output: reports/controller/phase_grid
# A long study: one (data, seed) cell per CSV (phase-<data>-seed<S>.csv), written whole when the
# cell ends; a rerun skips the cells written, so a stopped study resumes on any machine.
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" phase_grid "$@"
if [ "$quick" = 1 ]; then
  cells="digits:1:2 digits:2:2"; steps=30; points=9
else
  cells="digits:1:20 digits:2:20 digits:3:20 fashion:1:10 fashion:2:10 fashion:3:10"
  steps=600; points=81
fi
for cell in $cells; do
  IFS=: read -r data seed random <<< "$cell"
  csv=$out/phase-$data-seed$seed.csv
  if [ -e "$csv" ]; then
    echo "grid.sh: $csv exists, skipped" >&2
    continue
  fi
  extra=()
  [ "$data" = fashion ] && extra=(--eval-train 2000)
  run "$out/phase-$data-seed$seed.log" phase --data "$data" --archs all --seed "$seed" \
      --steps $steps --points $points --random "$random" "${extra[@]}" --out "$csv.tmp"
  mv "$csv.tmp" "$csv"
done
/usr/bin/python3 analyses/phase_transition/grid_summary.py "$out"
