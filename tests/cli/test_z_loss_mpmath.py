#!/usr/bin/python3
"""Independent cross-check of `softcheck reference z_loss` against mpmath.

Usage: /usr/bin/python3 test_z_loss_mpmath.py PATH/TO/softcheck

The spherical Z-loss (de Brebisson & Vincent 2016) from its definition, sharing no code with
softcheck's oracle: with w_k = n x_k - sum x (exact, so d_k = x_k - mean = w_k / n) and
W = sum w_k^2 (exact; n^3 var x = W),
    z_c = w_c sqrt(n) / sqrt(W),  t = a (b - z_c),  loss = log1p(exp(t)) / a,
    grad_j = -sigmoid(t) (delta_cj - (1 + z_c z_j) / n) / std
           = sigmoid(t) (W + n w_c w_j) / (n W std)              (j != c)
           = -sigmoid(t) ((n - 1) W - n w_c^2) / (n W std)       (j = c)
so every cancellation happens in exact numerators (exact zeros come out exactly) and the
rest carries a relative error bound. Rounding to the format (with subnormals and overflow)
is test_reference_mpmath.py's own, accepted only when both ends of the error interval round
alike (else redone at more bits). Compared bit for bit, -0 == +0 and NaN == NaN.

Cases in f64, f32 and bf16, for (a, b) in (1, 1), (0.1, 10), (2, -0.5): fixed rows (n = 2,
two-valued rows, an outlier target, wide exponent spreads, the NaN rows: n = 1, equal
entries, an infinity) and random normal rows. The seed is printed; SOFTCHECK_SEED overrides
it. Exit status: 0 all agree, 1 mismatches, 2 could not run, 77 mpmath or numpy not installed
(ctest: Skipped).
"""
import math
import os
import random
import subprocess
import sys

try:
    from mpmath import mp, mpf
except ImportError as error:  # ctest's SKIP_RETURN_CODE (tests/CMakeLists.txt)
    print(f"skipped: {error} (mpmath is needed for {sys.executable})")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_reference_mpmath import round_to_format, same, to_format  # noqa: E402

PARAMETERS = ((1.0, 1.0), (0.1, 10.0), (2.0, -0.5))
FORMATS = ("f64", "f32", "bf16")
PRECISIONS = (400, 2000, 10000)


def exact_results(xs, target, a, b):
    """(value, absolute error bound) of the loss, then of each gradient entry."""
    n = len(xs)
    if n < 2 or any(not math.isfinite(x) for x in xs) or all(x == xs[0] for x in xs):
        return [(mp.nan, 0)] * (n + 1)
    rel = mpf(2) ** (-(mp.prec - 24))
    xs = [mpf(x) for x in xs]
    total = sum_exact(xs)
    w = [mp.fsub(mp.fmul(n, x, exact=True), total, exact=True) for x in xs]
    big_w = sum_exact([mp.fmul(v, v, exact=True) for v in w])
    z_c = w[target] * mp.sqrt(n) / mp.sqrt(big_w)
    t = a * (b - z_c)
    s = 1 / (1 + mp.exp(-t))
    std = mp.sqrt(big_w / mpf(n) ** 3)
    denominator = n * big_w * std
    out = [mp.log1p(mp.exp(t)) / a]
    for j in range(n):
        if j == target:
            numerator = -mp.fsub(mp.fmul(n - 1, big_w, exact=True),
                                 mp.fmul(n, mp.fmul(w[target], w[target], exact=True), exact=True),
                                 exact=True)
        else:
            numerator = mp.fadd(big_w, mp.fmul(n, mp.fmul(w[target], w[j], exact=True), exact=True),
                                exact=True)
        out.append(s * numerator / denominator)
    return [(y, abs(y) * rel) for y in out]


def sum_exact(values):
    acc = mpf(0)
    for v in values:
        acc = mp.fadd(acc, v, exact=True)
    return acc


def expected(fmt, xs, target, a, b):
    for bits in PRECISIONS:
        with mp.workprec(bits):
            out, undecided = [], False
            for y, err in exact_results(xs, target, a, b):
                if not mp.isfinite(y):
                    out.append(float(y))
                    continue
                lo = round_to_format(mp.fsub(y, err, exact=True), fmt)
                hi = round_to_format(mp.fadd(y, err, exact=True), fmt)
                undecided |= lo != hi
                out.append(lo)
            if not undecided:
                return out
    raise RuntimeError(f"test bug: rounding undecided at {bits} bits for {xs}")


def fixed_cases(fmt):
    inf = math.inf
    big = {"f64": 1e300, "f32": 1e37, "bf16": 1e37}[fmt]
    tiny = {"f64": 1e-310, "f32": 1e-40, "bf16": 1e-40}[fmt]
    rows = [
        ([1.0, 2.0, 4.0], 0),
        ([1.0, 2.0], 0),  # n = 2: the loss is constant, the gradient exactly 0
        ([-3.0, 5.0], 1),
        ([0.0, 0.0, 1.0, 1.0, 1.0], 1),  # two-valued: exact zeros at the other value
        ([0.25, 7.0, 7.0, 0.25, 7.0, 0.25], 4),
        ([100.0, 1.0, 1.0, 1.0, 1.0, 1.5], 0),  # an outlier target
        ([big, 1.0, -2.0, tiny], 3),  # a wide exponent spread
        ([-big, big, 0.0], 2),
        ([3.0, 3.0 + 2.0 ** -20, 3.0, 3.0], 1),
        ([5.0], 0),  # n = 1: NaN
        ([2.0, 2.0, 2.0], 0),  # std 0: NaN
        ([1.0, inf, 2.0], 0),  # an infinity: NaN
        ([1.0, math.nan], 0),
    ]
    return [([to_format(x, fmt) for x in xs], y) for xs, y in rows]


def random_cases(rng, count):
    out = []
    for i in range(count):
        fmt = FORMATS[i % len(FORMATS)]
        n = rng.choice([2, 3, 5, 8, 17, 40])
        sigma = rng.choice([0.01, 1.0, 30.0, 1e6])
        offset = rng.choice([0.0, 1000.0])
        xs = [to_format(offset + sigma * rng.gauss(0, 1), fmt) for _ in range(n)]
        out.append((fmt, xs, rng.randrange(n), PARAMETERS[i % len(PARAMETERS)]))
    return out


def run_cli(binary, fmt, xs, target, a, b):
    args = [binary, "reference", "z_loss", f"--dtype={fmt}",
            "--logits=" + ",".join(x.hex() if math.isfinite(x) else repr(x) for x in xs),
            f"--target={target}", f"--a={a!r}", f"--b={b!r}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 or "rounded" in proc.stderr:
        raise RuntimeError(f"{' '.join(args)} exited with {proc.returncode}:\n{proc.stderr}")
    return [float.fromhex(line.split()[1]) for line in proc.stdout.splitlines()]


def main(argv):
    if len(argv) != 2 or not os.access(argv[1], os.X_OK):
        print(__doc__)
        return 2
    seed = int(os.environ.get("SOFTCHECK_SEED", "20261129"))
    print(f"seed: {seed} (replay with SOFTCHECK_SEED={seed})")
    rng = random.Random(seed)
    cases = [(fmt, xs, y, p) for fmt in FORMATS for xs, y in fixed_cases(fmt) for p in PARAMETERS]
    cases += random_cases(rng, 150)
    mismatches = checked = 0
    for fmt, xs, target, (a, b) in cases:
        try:
            got = run_cli(argv[1], fmt, xs, target, a, b)
        except (OSError, subprocess.TimeoutExpired, RuntimeError) as error:
            print(f"error: {error}")
            return 2
        want = expected(fmt, xs, target, a, b)
        logits = ",".join(x.hex() if math.isfinite(x) else repr(x) for x in xs)
        if len(got) != len(want):
            print(f"MISMATCH {fmt} a={a} b={b} logits={logits} target={target}: "
                  f"{len(got)} values, expected {len(want)}")
            mismatches += 1
            continue
        for i, (g, w) in enumerate(zip(got, want)):
            checked += 1
            if not same(g, w):
                mismatches += 1
                print(f"MISMATCH {fmt} a={a} b={b} logits={logits} target={target} index={i}: "
                      f"got {g!r} ({g.hex()}), expected {w!r} ({w.hex()})")
    print(f"z_loss mpmath cross-check: {len(cases)} rows, {checked} values, {mismatches} "
          f"mismatches (seed {seed})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
