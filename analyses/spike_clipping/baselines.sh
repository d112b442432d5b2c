#!/bin/bash
# The spike protocol with its baselines: transformer, MLP+LayerNorm and CNN+BatchNorm, Adam at
# lr 1e-3, 200 steps, 10 seeds, on digits and Fashion-MNIST (10000/2000 subset), the learning
# rate x10 000 from step 50 for 1 step, for 10 steps and for the rest of training
# (--spike-length 0), and without a spike (--factor 1); each through plain Adam, gradient
# clipping (‖g‖ ≤ 1), the controller, and norm_cap (the update's length capped at the median ρa
# of the controller's run of the same data, architecture and seed).
#   analyses/spike_clipping/baselines.sh [--quick]   # output: reports/controller/spike_baselines
# A long study: one (data, spike) cell per pair of CSVs (steps-<data>-<spike>.csv,
# final-<data>-<spike>.csv), written whole when the cell ends; a rerun skips the cells already
# written, so a stopped study resumes on any machine from the committed files.
set -euo pipefail
source "$(dirname "$0")/../controller/common.sh" spike_baselines "$@"
archs=transformer,mlp_ln,cnn_bn
methods=plain,clip,controller,norm_cap
if [ "$quick" = 1 ]; then
  datasets="digits"; seeds=1; steps=12; spike_step=5; eval_every=4
  spikes="len1:--factor=10000:--spike-length=1 rest:--factor=10000:--spike-length=0"
else
  datasets="digits fashion"; seeds=10; steps=200; spike_step=50; eval_every=10
  spikes="len1:--factor=10000:--spike-length=1 len10:--factor=10000:--spike-length=10"
  spikes="$spikes rest:--factor=10000:--spike-length=0 none:--factor=1:--spike-length=1"
fi
for data in $datasets; do
  for spike in $spikes; do
    label=${spike%%:*}
    read -r -a options <<< "$(echo "${spike#*:}" | tr ':' ' ')"
    final=$out/final-$data-$label.csv
    if [ -e "$final" ]; then
      echo "baselines.sh: $final exists, skipped" >&2
      continue
    fi
    run "$out/spike-$data-$label.log" spike --data "$data" --archs $archs --lrs 1e-3 \
        --seeds $seeds --steps $steps --spike-step $spike_step "${options[@]}" \
        --methods $methods --eval-every $eval_every \
        --out-steps "$out/steps-$data-$label.csv.tmp" --out-final "$final.tmp"
    mv "$out/steps-$data-$label.csv.tmp" "$out/steps-$data-$label.csv"
    mv "$final.tmp" "$final"
  done
done
# The 1-step digits cell against run.sh's committed run of the same protocol (full size only).
earlier=reports/controller/spike_clipping/final-digits.csv
[ "$quick" = 1 ] && earlier=""
/usr/bin/python3 analyses/spike_clipping/baselines_summary.py "$out" $earlier
