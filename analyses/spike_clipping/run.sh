#!/bin/bash
# The 10 000x spike (README.md here): transformer, MLP+LayerNorm and CNN+BatchNorm, Adam at
# lr 1e-3, the learning rate x10 000 for step 50 of 200: plain Adam, gradient clipping
# (‖g‖ ≤ 1) and the controller; 10 seeds on digits, 3 on Fashion-MNIST (10000/2000 subset).
#   analyses/spike_clipping/run.sh [--quick]     # output: reports/controller/spike_clipping
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" spike_clipping "$@"
archs=transformer,mlp_ln,cnn_bn
if [ "$quick" = 1 ]; then
  run "$out/spike-digits.log" spike --data digits --archs $archs --lrs 1e-3 --seeds 1 --steps 12 \
      --spike-step 5 --factor 10000 --methods plain,clip,controller --eval-every 4 \
      --out-steps "$out/steps-digits.csv" --out-final "$out/final-digits.csv"
else
  run "$out/spike-digits.log" spike --data digits --archs $archs --lrs 1e-3 --seeds 10 --steps 200 \
      --spike-step 50 --factor 10000 --methods plain,clip,controller --eval-every 10 \
      --out-steps "$out/steps-digits.csv" --out-final "$out/final-digits.csv"
  run "$out/spike-fashion.log" spike --data fashion --archs $archs --lrs 1e-3 --seeds 3 --steps 200 \
      --spike-step 50 --factor 10000 --methods plain,clip,controller --eval-every 20 \
      --out-steps "$out/steps-fashion.csv" --out-final "$out/final-fashion.csv"
fi
/usr/bin/python3 analyses/spike_clipping/plot.py "$out"
