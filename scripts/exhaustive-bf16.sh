#!/bin/sh
# The exhaustive bf16 sweep of docs/scale-out.md: every pair of bf16 logits (2^32 rows) and
# every single one through the SIMD two-pass softmax, log_softmax and cross-entropy kernels
# (the AVX2 target, which every machine here runs, so that the sweep resumes on any of them),
# the scalar three-pass-recompute softmax and libtorch's bf16 softmax. It resumes from the
# shard files in reports/exhaustive/bf16 and writes bf16-summary.md and bf16-hardest.json there.
# Extra arguments go to softcheck exhaustive, e.g. --max-seconds 3600 to stop starting shards
# after an hour; on two cores, two processes `--threads 1 --shard 1/2` and `--shard 2/2` keep
# both busy. Run it from a clean, built checkout: each shard file names its commit.
# SOFTCHECK names another softcheck binary than build/softcheck (one built at a clean commit).
set -eu
cd "$(dirname "$0")/.."
exec ${SOFTCHECK:-build/softcheck} exhaustive --format bf16 \
  --kernel builtin/softmax/bf16/simd-two-pass-avx2-u4a4 \
  --kernel builtin/log_softmax/bf16/simd-two-pass-avx2-u4a4 \
  --kernel builtin/cross_entropy/bf16/simd-two-pass-avx2-u4a4 \
  --kernel builtin/softmax/bf16/three-pass-recompute \
  --kernel torch/softmax/bf16/aten \
  --out reports/exhaustive/bf16 "$@"
