#!/usr/bin/python3
"""Every output of one bf16 pairs shard that a kernel does not round correctly, and which way.

    /usr/bin/python3 analyses/exhaustive/misrounded.py 0x3d builtin/log_softmax/bf16/simd-two-pass-avx2-u4a4
    /usr/bin/python3 analyses/exhaustive/misrounded.py 0x43 builtin/cross_entropy/bf16/simd-two-pass-avx2-u4a4 1

Runs the kernel and the correctly rounded reference (softcheck.run_kernel, softcheck.reference)
on the 2^24 rows (a, b) of the shard (a's high byte given), and counts, per output (softmax,
log_softmax, or a cross-entropy kernel's gradient and loss, with the target on the side given:
0 for a, 1 for b), the finite outputs where the two differ: toward zero (|got| < |correct|) or
away. Checks each with mpmath (the exact value lies nearer the reference's result than the
kernel's, decided exactly where the two are equally far from its large part) and prints the
first rows. Shard 0x43 with target 1 (45,120 misroundings checked): 29 s on a 2-core AMD EPYC.
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import mpmath  # noqa: E402
import numpy as np  # noqa: E402

import softcheck  # noqa: E402

SHOWN = 5
# Enough bits for the difference of any two bf16 values (exponents 2^-133 to 2^127) to be
# exact, so the large part of a log-type output is held exactly.
EXACT_BITS = 300


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def exact_parts(output, row, element, target):
    """The exact output as big + small: big exactly held, small to EXACT_BITS bits relative.

    For log-type outputs big is x_i - m (or m - x_t) and small the log1p term, which f32 loses
    when the row's gap is large: exactly the case where the rounding is decided by small."""
    x = [mpmath.mpf(float(v)) for v in row]
    top = max(range(len(x)), key=lambda i: x[i])
    m = x[top]
    rest = mpmath.fsum(mpmath.exp(v - m) for i, v in enumerate(x) if i != top)
    if output == "softmax":
        return mpmath.mpf(0), mpmath.exp(x[element] - m) / (1 + rest)
    if output == "log_softmax":
        return x[element] - m, -mpmath.log1p(rest)
    if output == "loss":
        return m - x[target], mpmath.log1p(rest)
    # The cross-entropy gradient p_i - [i = t]; at the target, -(sum of the others' e_j) / s.
    if element == target:
        others = mpmath.fsum(mpmath.exp(v - m) for i, v in enumerate(x) if i != element)
        return mpmath.mpf(0), -others / (1 + rest)
    return mpmath.mpf(0), mpmath.exp(x[element] - m) / (1 + rest)


def reference_is_nearer(correct, got, big, small):
    """|correct - (big + small)| <= |got - (big + small)|, decided without rounding big + small.

    With c = correct - big and g = got - big (exact), (c - small)^2 <= (g - small)^2 is
    (c - g)(c + g) <= 2 small (c - g); c + g is exact, so a tie (c = -g) is decided by the sign
    of small alone."""
    c = mpmath.mpf(float(correct)) - big
    g = mpmath.mpf(float(got)) - big
    if c == g:
        return True
    return c + g <= 2 * small if c > g else c + g >= 2 * small


def double_rounded(correct, got, big, small):
    """Whether the exact value lies within half an f32 ulp of the midpoint of the two results:
    then any f32 computation rounds it onto that midpoint and the bf16 rounding goes to even."""
    midpoint = (float(correct) + float(got)) / 2  # adjacent bf16 values: exact in f64
    _, exponent = math.frexp(midpoint)
    half_ulp_f32 = math.ldexp(1.0, exponent - 25)
    return abs((big - mpmath.mpf(midpoint)) + small) < half_ulp_f32


def count(name, got, correct, rows, parts):
    """Counts and checks the misroundings of one output kind (got and correct: rows x k)."""
    differ = np.argwhere((got != correct) & np.isfinite(correct))
    toward = away = double = 0
    for r, e in differ:
        big, small = parts(rows[r], e)  # one exact evaluation per misrounding
        assert reference_is_nearer(correct[r, e], got[r, e], big, small), (rows[r], e)
        double += double_rounded(correct[r, e], got[r, e], big, small)
        if abs(got[r, e]) < abs(correct[r, e]):
            toward += 1
        else:
            away += 1
    print(f"  {name}: {got.size} outputs, {len(differ)} not correctly rounded: {toward} toward "
          f"zero, {away} away from zero")
    if len(differ):
        print(f"    within half an f32 ulp of the bf16 midpoint between the two (f32 rounds the "
              f"value onto the midpoint, then to even): {double} of {len(differ)}")
    for r, e in differ[:SHOWN]:
        big, small = parts(rows[r], e)
        print(f"    row {rows[r].tolist()} element {e}: got {got[r, e].hex()}, correct "
              f"{correct[r, e].hex()}, exact {mpmath.nstr(big, 12)} + {mpmath.nstr(small, 6)}")


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    high = int(args[0], 16)
    kernel = args[1]
    op = kernel.split("/")[1]
    target = int(args[2]) if len(args) == 3 else None
    if not 0 <= high < 256 or op not in ("softmax", "log_softmax", "cross_entropy"):
        sys.exit("misrounded.py: the shard is 0x00 to 0xff and the kernel a softmax, log_softmax "
                 "or cross_entropy kernel")
    if (op == "cross_entropy") != (target in (0, 1)):
        sys.exit("misrounded.py: a cross_entropy kernel needs the target side, 0 or 1; other "
                 "kernels take none")
    mpmath.mp.prec = EXACT_BITS
    first = np.repeat(np.arange(high * 256, high * 256 + 256, dtype=np.uint32), 65536)
    second = np.tile(np.arange(65536, dtype=np.uint32), 256)
    with np.errstate(invalid="ignore"):
        rows = np.stack([bf16_values(first), bf16_values(second)], 1)
    rows = rows[np.isfinite(rows).all(1)]
    print(f"{kernel}, bf16 pairs 0x{high:02x}" + (f", target {target}" if op == "cross_entropy" else "")
          + f": {len(rows)} finite rows")
    if op != "cross_entropy":
        got = np.asarray(softcheck.run_kernel(kernel, rows))
        correct = np.asarray(softcheck.reference(op, rows, "bf16"))
        count(op, got, correct, rows, lambda row, e: exact_parts(op, row, e, None))
        return
    targets = np.full(len(rows), target)
    got_loss, got_gradient = softcheck.run_kernel(kernel, rows, targets)
    loss, gradient = softcheck.reference(op, rows, "bf16", target=targets)
    count("gradient", np.asarray(got_gradient), np.asarray(gradient), rows,
          lambda row, e: exact_parts("gradient", row, e, target))
    count("loss", np.asarray(got_loss)[:, None], np.asarray(loss)[:, None], rows,
          lambda row, e: exact_parts("loss", row, 0, target))


if __name__ == "__main__":
    main()
