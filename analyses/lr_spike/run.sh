#!/bin/bash
# The LR-spike protocol (README.md here): MLP 64→128→10 on digits, Adam, a 1000x learning-rate
# spike at step 50 of 200, base lrs 1e-4, 1e-3, 1e-2, seeds 1-5: plain Adam, clipping and the
# controller, and the rho-set variant (step r·ρa with r = 0.5, no base lr: the spike does not
# reach it). plot.py writes the figures and summary.md.
#   analyses/lr_spike/run.sh [--quick]     # output: reports/controller/lr_spike
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" lr_spike "$@"
if [ "$quick" = 1 ]; then
  run "$out/spike.log" spike --data digits --archs mlp --lrs 1e-3 --seeds 1 --steps 20 \
      --spike-step 5 --spike-length 3 --factor 1000 --methods plain,clip,controller,norm_cap \
      --eval-every 5 \
      --out-steps "$out/spike_steps.csv" --out-final "$out/spike_final.csv"
else
  run "$out/spike.log" spike --data digits --archs mlp --lrs 1e-4,1e-3,1e-2 --seeds 5 --steps 200 \
      --spike-step 50 --factor 1000 --methods plain,clip,controller,rho_set --r-set 0.5 --eval-every 10 \
      --out-steps "$out/spike_steps.csv" --out-final "$out/spike_final.csv"
fi
/usr/bin/python3 analyses/lr_spike/plot.py "$out"
