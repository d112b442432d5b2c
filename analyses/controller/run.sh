#!/bin/bash
# The controller's own checks (README.md here): libtorch's vs softcheck's cross-entropy kernel
# in the same controlled runs, the fast ρa against the certified exact radius on sampled
# steps, and the controller's overhead per training step.
#   analyses/controller/run.sh [--quick]     # output: reports/controller/controller
set -euo pipefail
source "$(dirname "$0")/common.sh" controller "$@"
if [ "$quick" = 1 ]; then
  run "$out/kernels.log" kernels --data digits --archs mlp,cnn_bn --seeds 1 --steps 10 \
      --eval-every 5 --crosscheck-every 5 --crosscheck-rows 0 \
      --out-steps "$out/kernels_steps.csv" --out-checks "$out/kernels_checks.csv" \
      --out-final "$out/kernels_final.csv"
  run "$out/overhead.log" overhead --data digits --archs mlp --steps 10 --repeats 1 \
      --out "$out/overhead-batch.csv"
else
  run "$out/kernels.log" kernels --data digits --archs all --seeds 3 --steps 200 \
      --eval-every 10 --crosscheck-every 20 --crosscheck-rows 0 \
      --out-steps "$out/kernels_steps.csv" --out-checks "$out/kernels_checks.csv" \
      --out-final "$out/kernels_final.csv"
  run "$out/kernels-full.log" kernels --data digits --archs all --seeds 1 --steps 100 \
      --full-sample --eval-every 10 --crosscheck-every 25 --crosscheck-rows 0 \
      --out-steps "$out/kernels_full_steps.csv" --out-checks "$out/kernels_full_checks.csv" \
      --out-final "$out/kernels_full_final.csv"
  for loss in torch softcheck; do  # the 1000x spike of lr_spike through either CE kernel
    run "$out/spike-loss-$loss.log" spike --data digits --archs mlp --lrs 1e-2 --seeds 1 \
        --steps 200 --spike-step 50 --factor 1000 --methods plain,controller --eval-every 10 \
        --loss $loss --out-steps "$out/spike-loss-$loss-steps.csv" --out-final "$out/spike-loss-$loss.csv"
  done
  run "$out/overhead.log" overhead --data digits --archs all --steps 100 --repeats 3 \
      --out "$out/overhead-batch.csv"
  run "$out/overhead-full.log" overhead --data digits --archs all --steps 50 --repeats 2 \
      --full-sample --out "$out/overhead-full.csv"
  run "$out/overhead-fashion.log" overhead --data fashion --archs all --steps 50 --repeats 2 \
      --out "$out/overhead-fashion.csv"
fi
/usr/bin/python3 analyses/controller/plot.py "$out"
