#!/usr/bin/python3
"""Every output of one bf16 pairs shard that a kernel does not round correctly, and which way.

    /usr/bin/python3 analyses/exhaustive/misrounded.py 0x3d builtin/log_softmax/bf16/simd-two-pass-avx2-u4a4

Runs the kernel and the correctly rounded reference (softcheck.run_kernel, softcheck.reference)
on the 2^24 rows (a, b) of the shard (a's high byte given), and counts the finite outputs where
the two differ: toward zero (|got| < |correct|) or away. Checks each count with mpmath at 200
bits (the exact value lies on the side of the midpoint that the reference rounds to) and prints
the first rows. softmax and log_softmax kernels (no target). About 20 s per shard.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import mpmath  # noqa: E402
import numpy as np  # noqa: E402

import softcheck  # noqa: E402

SHOWN = 5


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def exact_output(op, row, element):
    x = [mpmath.mpf(float(v)) for v in row]
    m = max(x)
    s = mpmath.fsum(mpmath.exp(v - m) for v in x)
    return mpmath.exp(x[element] - m) / s if op == "softmax" else x[element] - m - mpmath.log(s)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    high = int(sys.argv[1], 16)
    kernel = sys.argv[2]
    op = kernel.split("/")[1]
    if not 0 <= high < 256 or op not in ("softmax", "log_softmax"):
        sys.exit("misrounded.py: the shard is 0x00 to 0xff and the kernel a softmax or log_softmax")
    first = np.repeat(np.arange(high * 256, high * 256 + 256, dtype=np.uint32), 65536)
    second = np.tile(np.arange(65536, dtype=np.uint32), 256)
    with np.errstate(invalid="ignore"):
        rows = np.stack([bf16_values(first), bf16_values(second)], 1)
    rows = rows[np.isfinite(rows).all(1)]
    got = np.asarray(softcheck.run_kernel(kernel, rows))
    correct = np.asarray(softcheck.reference(op, rows, "bf16"))
    differ = np.argwhere((got != correct) & np.isfinite(correct))
    mpmath.mp.prec = 200
    toward = away = 0
    for r, e in differ:
        exact = exact_output(op, rows[r], e)
        # The reference's rounding is the nearer neighbour of the exact value.
        assert abs(mpmath.mpf(float(correct[r, e])) - exact) <= abs(mpmath.mpf(float(got[r, e])) - exact)
        if abs(got[r, e]) < abs(correct[r, e]):
            toward += 1
        else:
            away += 1
    print(f"{kernel}, bf16 pairs 0x{high:02x}: {len(rows)} finite rows, {2 * len(rows)} outputs; "
          f"{len(differ)} not correctly rounded: {toward} toward zero, {away} away from zero")
    for r, e in differ[:SHOWN]:
        print(f"  row {rows[r].tolist()} element {e}: got {got[r, e].hex()}, correct "
              f"{correct[r, e].hex()}, exact {mpmath.nstr(exact_output(op, rows[r], e), 20)}")


if __name__ == "__main__":
    main()
