#!/bin/bash
# The temperature fingerprint (README.md here): MLP and CNN trained on digits with CE(z / T),
# T = 0.25 ... 4, seeds 1-3, then single steps along the descent direction at absolute
# lengths τ = 1e-3 ... 1e3; plot.py finds the collapse onsets and compares their spread in τ
# and in r_T = τ / (πT/Δa).
#   analyses/temperature/run.sh [--quick]     # output: reports/controller/temperature
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" temperature "$@"
if [ "$quick" = 1 ]; then
  run "$out/temperature.log" temperature --data digits --archs mlp --temperatures 0.5,2 --seeds 1 \
      --steps 20 --points 21 --out "$out/temperature.csv"
else
  run "$out/temperature.log" temperature --data digits --archs mlp,cnn \
      --temperatures 0.25,0.5,1,2,4 --seeds 3 --steps 400 --points 81 --out "$out/temperature.csv"
fi
/usr/bin/python3 analyses/temperature/plot.py "$out"
