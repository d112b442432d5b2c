#!/bin/bash
# The phase-transition analysis (README.md here): every architecture trained on digits and on
# Fashion-MNIST (10000/2000 subset), then single steps at r = τ/ρa from 0.01 to 100 along the
# gradient and 20 random directions (10 on Fashion-MNIST, for time); plot.py writes the
# figures and summary.md.
#   analyses/phase_transition/run.sh [--quick]     # output: reports/controller/phase_transition
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" phase_transition "$@"
if [ "$quick" = 1 ]; then
  run "$out/phase-digits.log" phase --data digits --archs all --seed 1 --steps 30 --points 7 \
      --random 2 --out "$out/phase-digits.csv"
else
  run "$out/phase-digits.log" phase --data digits --archs all --seed 1 --steps 600 --points 25 \
      --random 20 --out "$out/phase-digits.csv"
  run "$out/phase-fashion.log" phase --data fashion --archs all --seed 1 --steps 600 --points 25 \
      --random 10 --eval-train 2000 --out "$out/phase-fashion.csv"
fi
/usr/bin/python3 analyses/phase_transition/plot.py "$out"
