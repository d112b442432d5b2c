#!/bin/sh
# The gate over every built-in row-wise kernel (every op but attention), default suite: the
# figure docs/fast-verification.md and the README quote, e.g.
#   /usr/bin/time ./scripts/gate-row-kernels.sh --quiet
# Further arguments go to `softcheck gate` (--threads 1, --mpfr-only, --json FILE, ...).
set -eu
cd "$(dirname "$0")/.."
ops=$(./build/softcheck list | awk 'NR > 1 && $5 == "builtin" && $2 != "attention" { print $2 }' | sort -u)
for op in $ops; do set -- "$@" --kernel "builtin/$op/*"; done
exec ./build/softcheck gate "$@"
