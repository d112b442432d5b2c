#!/usr/bin/python3
"""Independent cross-check of `softcheck reference` against mpmath.

Usage: /usr/bin/python3 test_reference_mpmath.py PATH/TO/softcheck
       /usr/bin/python3 test_reference_mpmath.py --selftest

Shares no code with softcheck's MPFR oracle: the plain formulas are evaluated with mpmath at
400 bits (softmax = exp(x_i - m) / sum, log_softmax = x_i - logsumexp, cross-entropy loss =
logsumexp - x_y, gradient = softmax - onehot, each arranged so that no subtraction cancels),
each result carries an error bound, and the rounding to the format (this file's own integer
round-to-nearest-even with subnormals, signed zero and overflow) is accepted only when both
ends of the error interval round alike; otherwise the row is redone at 2000, then 10000 bits.
Results are compared bit for bit, treating -0 and +0 as equal and NaN as equal to NaN.

Cases, in all four formats: fixed rows (subnormal outputs, rows where exp alone overflows,
-inf masks, equal logits, a confident row) and random normal rows. The seed is printed;
SOFTCHECK_SEED overrides it. Exit status: 0 all agree, 1 mismatches, 2 could not run, 77
numpy or mpmath not installed (ctest: Skipped).
"""
import math
import os
import random
import struct
import subprocess
import sys

try:
    import numpy as np
    from mpmath import mp, mpf
except ImportError as error:  # ctest's SKIP_RETURN_CODE (tests/CMakeLists.txt)
    print(f"skipped: {error} (numpy and mpmath are needed for {sys.executable})")
    sys.exit(77)

# name: (precision incl. implicit bit, exponent of the smallest normal, of the largest binade)
FORMATS = {"f64": (53, -1022, 1023), "f32": (24, -126, 127), "bf16": (8, -126, 127),
           "f16": (11, -14, 15)}
OPS = ("softmax", "log_softmax", "logsumexp", "cross_entropy")
PRECISIONS = (400, 2000, 10000)  # bits; the next is tried when a rounding is undecided
EXP_FLOOR = -5000  # exp(d) for d below this is < 2^-7000: 0 in every format, and negligible


def round_to_format(x, fmt):
    """Round the mpf x (taken as exact) to the nearest value of fmt, ties to even."""
    if mp.isnan(x):
        return math.nan
    if mp.isinf(x):
        return math.copysign(math.inf, x)
    prec, emin, emax = FORMATS[fmt]
    sign, man, exp, bc = x._mpf_  # x = (-1)^sign * man * 2^exp, man odd, bc = bit length
    if man == 0:
        return 0.0
    quantum = max(exp + bc - 1, emin) - (prec - 1)  # spacing of fmt at |x|: 2^quantum
    if exp >= quantum:
        units = man << (exp - quantum)  # |x| = units * 2^quantum exactly
    else:
        shift = quantum - exp
        units, rest = man >> shift, man & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rest > half or (rest == half and units & 1):
            units += 1
    if units == 0:
        magnitude = 0.0
    elif units.bit_length() - 1 + quantum > emax:
        magnitude = math.inf
    else:
        magnitude = math.ldexp(units, quantum)  # exact: units <= 2^prec
    return -magnitude if sign else magnitude


def exact_results(op, xs, target):
    """Values and absolute error bounds of op on xs at the current mp.prec (finite or -inf xs,
    at least one finite)."""
    n = len(xs)
    rel = mpf(2) ** (-(mp.prec - (n + 8).bit_length() - 4))  # covers n exp, sum, div, log
    xs = [mpf(x) for x in xs]  # exact
    m = max(xs)
    k = xs.index(m)
    d = [mp.fsub(x, m, exact=True) for x in xs]  # exact, <= 0, -inf for masked
    e = [mpf(0) if di == -mp.inf else mp.exp(max(di, EXP_FLOOR)) for di in d]
    total = mp.fsum(e)
    lse_tail = mp.log1p(mp.fsum(e[j] for j in range(n) if j != k))  # ln(total): no cancellation

    def bound(y):
        return (y, abs(y) * rel if mp.isfinite(y) else mpf(0))

    if op == "softmax":
        return [bound(ei / total) for ei in e]
    if op == "log_softmax":  # d_i <= 0 and lse_tail >= 0: same signs
        return [bound(mp.fsub(di, lse_tail, exact=True)) for di in d]
    if op == "logsumexp":  # m + lse_tail may cancel: the error is that of lse_tail
        return [(mp.fadd(m, lse_tail, exact=True), lse_tail * rel)]
    loss = mp.fsub(lse_tail, d[target], exact=True)  # -log_softmax_y: same signs
    rest = mp.fsum(e[j] for j in range(n) if j != target)
    grad = [-rest / total if i == target else e[i] / total for i in range(n)]
    return [bound(loss)] + [bound(g) for g in grad]


def expected(op, fmt, xs, target):
    """Correctly rounded results, raising the precision until every rounding is decided."""
    for bits in PRECISIONS:
        with mp.workprec(bits):
            out, undecided = [], False
            for y, err in exact_results(op, xs, target):
                if not mp.isfinite(y):
                    out.append(float(y))
                    continue
                lo = round_to_format(mp.fsub(y, err, exact=True), fmt)
                hi = round_to_format(mp.fadd(y, err, exact=True), fmt)
                undecided |= lo != hi
                out.append(round_to_format(y, fmt) if lo != hi else lo)
            if not undecided:
                return out
    print(f"note: {op} {fmt} {xs}: a rounding stayed undecided at {bits} bits "
          "(an exact midpoint?); used the nearest-even rounding of the computed value")
    return out


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b  # -0 == +0


def to_format(x, fmt):
    return round_to_format(mpf(x), fmt)


# ---------------------------------------------------------------------------------- selftest
def selftest():
    with mp.workprec(400), np.errstate(over="ignore"):
        return selftest_cases()


def selftest_cases():
    failures = []

    def check(label, got, want):
        if not same(got, want) or (got == 0 and math.copysign(1, got) != math.copysign(1, want)):
            failures.append(f"{label}: got {got!r} ({float(got).hex()}), want {want!r}")

    r = to_format
    check("f16 65520 -> inf (tie at overflow)", r(65520.0, "f16"), math.inf)
    check("f16 65519 -> 65504", r(65519.0, "f16"), 65504.0)
    check("f16 2^-25 -> 0 (tie to even)", r(2.0**-25, "f16"), 0.0)
    check("f16 -2^-26 -> -0", r(-(2.0**-26), "f16"), -0.0)
    check("f16 2^-25 + 2^-40 -> 2^-24", r(2.0**-25 + 2.0**-40, "f16"), 2.0**-24)
    check("f16 1.5 * 2^-24 -> 2^-23 (tie to even)", r(1.5 * 2.0**-24, "f16"), 2.0**-23)
    check("f16 1 + 2^-11 -> 1 (tie to even)", r(1 + 2.0**-11, "f16"), 1.0)
    check("f16 1 + 3 * 2^-11 -> 1 + 2^-9", r(1 + 3 * 2.0**-11, "f16"), 1 + 2.0**-9)
    check("bf16 0x1.0101p0 -> 0x1.02p0", r(float.fromhex("0x1.0101p0"), "bf16"),
          float.fromhex("0x1.02p0"))
    check("bf16 max + half ulp -> inf", r(float.fromhex("0x1.ffp127"), "bf16"), math.inf)
    check("f32 2^-150 -> 0", r(2.0**-150, "f32"), 0.0)
    check("f32 2^-150 + 2^-200 -> 2^-149", r(2.0**-150 + 2.0**-200, "f32"), 2.0**-149)
    check("f64 1 + 2^-53 -> 1", round_to_format(1 + mpf(2) ** -53, "f64"), 1.0)
    check("f64 1 + 2^-53 + 2^-200 -> 1 + 2^-52",
          round_to_format(1 + mpf(2) ** -53 + mpf(2) ** -200, "f64"), 1 + 2.0**-52)
    check("f64 2^-1075 -> 0", round_to_format(mpf(2) ** -1075, "f64"), 0.0)
    check("f64 3 * 2^-1076 -> 2^-1074", round_to_format(3 * mpf(2) ** -1076, "f64"), 2.0**-1074)
    check("f64 2^1024 - 2^970 -> inf", round_to_format(mpf(2) ** 1024 - mpf(2) ** 970, "f64"),
          math.inf)

    # Against the platform's single roundings of doubles: numpy float32, struct's binary16.
    rng = random.Random(1)
    for _ in range(20000):
        x = math.ldexp(rng.uniform(-1, 1), rng.randint(-160, 130))
        check(f"f32 {x.hex()}", r(x, "f32"), float(np.float32(x)))
        y = math.ldexp(rng.uniform(-1, 1), rng.randint(-28, 17))
        try:
            h = struct.unpack("<e", struct.pack("<e", y))[0]
        except OverflowError:
            h = math.copysign(math.inf, y)
        check(f"f16 {y.hex()}", r(y, "f16"), h)

    # The mpmath side on values known independently.
    check("softmax [0, 0] f16", expected("softmax", "f16", [0.0, 0.0], 0)[0], 0.5)
    check("logsumexp [0, 0] f64", expected("logsumexp", "f64", [0.0, 0.0], 0)[0], math.log(2))
    check("softmax [0, -12] f16 (subnormal)", expected("softmax", "f16", [0.0, -12.0], 0)[1],
          103 * 2.0**-24)  # exp(-12) / (1 + exp(-12)) = 103.08 * 2^-24
    check("softmax [100, 90, 95] f32",
          expected("softmax", "f32", [100.0, 90.0, 95.0], 0)[0],
          float(np.float32(1 / (1 + math.exp(-10) + math.exp(-5)))))
    check("log_softmax [0, -inf] f32", expected("log_softmax", "f32", [0.0, -math.inf], 0)[1],
          -math.inf)
    check("cross_entropy [0, 1, 20] y=2 grad_y bf16",
          expected("cross_entropy", "bf16", [0.0, 1.0, 20.0], 2)[3],
          to_format(-(math.exp(-20) + math.exp(-19)) / (1 + math.exp(-20) + math.exp(-19)),
                    "bf16"))
    with mp.workprec(300):
        tiny = float(mp.log(2) - mpf(math.log(2)))  # ln 2 - double(ln 2), about 2.3e-17
    check("logsumexp [-ln2, -ln2] f64 (cancels)",
          expected("logsumexp", "f64", [-math.log(2), -math.log(2)], 0)[0], tiny)
    for line in failures:
        print("selftest FAILED:", line)
    print(f"selftest: {'FAILED' if failures else 'ok'} ({len(failures)} failures)")
    return not failures


# ---------------------------------------------------------------------------------- the cases
def fixed_cases(fmt):
    """(logits, target) rows for one format: values already representable in it."""
    prec, emin, _ = FORMATS[fmt]
    below_normal = math.log(2.0) * emin  # ln(min_normal)
    underflow = math.log(2.0) * (emin - prec)  # ln(denorm_min / 2)
    subnormal_one = {"f16": -12.0, "f32": -95.0, "bf16": -90.0, "f64": -720.0}[fmt]
    overflow = {"f16": [15.0, 14.0], "f32": [100.0, 90.0, 95.0], "bf16": [100.0, 90.0, 95.0],
                "f64": [1000.0, 999.0]}[fmt]
    inf = math.inf
    rows = [
        ([1.0, 2.0, 3.0], 0),
        ([0.0, subnormal_one], 1),
        ([0.0, below_normal - 1, (below_normal + underflow) / 2, underflow + 0.5, underflow - 1,
          below_normal + 0.5], 2),
        ([subnormal_one, 0.0, subnormal_one / 2, subnormal_one], 3),
        (overflow, 1),
        ([x - 3 for x in overflow] + overflow, 0),
        ([1.5, -inf, 0.25, -inf], 2),
        ([-inf, 3.0, -inf], 1),
        ([2.5] * 3, 1),
        ([7.0] * 4, 0),
        ([-1.0] * 5, 4),
        ([0.0], 0),
        ([0.0, 1.0, 20.0], 2),  # confident: softmax_y - 1 cancels in naive code
    ]
    return [([to_format(x, fmt) for x in xs], y) for xs, y in rows]


def random_cases(rng, count):
    out = []
    for i in range(count):
        fmt = list(FORMATS)[i % 4]
        op = OPS[(i // 4) % 4]
        n = rng.choice([1, 2, 3, 5, 8, 17, 40])
        sigma = rng.choice([0.5, 1.0, 3.0, 10.0, 30.0])
        xs = [to_format(sigma * rng.gauss(0, 1), fmt) for _ in range(n)]
        if n > 2 and rng.random() < 0.2:
            xs[rng.randrange(n)] = -math.inf
        finite = [j for j in range(n) if math.isfinite(xs[j])]
        if not finite:
            xs[0], finite = 0.0, [0]
        out.append((op, fmt, xs, rng.choice(finite)))
    return out


class RunError(Exception):
    pass


def run_cli(binary, op, fmt, xs, target):
    args = [binary, "reference", op, f"--dtype={fmt}", "--logits=" + ",".join(x.hex() for x in xs)]
    if op == "cross_entropy":
        args.append(f"--target={target}")
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RunError(f"could not run {' '.join(args)}: {error}")
    if proc.returncode != 0:
        raise RunError(f"{' '.join(args)} exited with {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    if "rounded" in proc.stderr:
        raise RunError(f"test bug: logits not representable in {fmt}: {proc.stderr}")
    values = []
    for line in proc.stdout.splitlines():
        fields = line.split()
        if len(fields) != 2:
            raise RunError(f"{' '.join(args)}: line {line!r} is not 'DECIMAL HEXFLOAT'")
        values.append(float.fromhex(fields[1]))
    return values


def main(argv):
    if len(argv) == 2 and argv[1] == "--selftest":
        return 0 if selftest() else 1
    if len(argv) != 2:
        print(__doc__)
        return 2
    binary = argv[1]
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"error: softcheck binary not found or not executable: {binary}")
        return 2
    if not selftest():
        return 1

    seed = int(os.environ.get("SOFTCHECK_SEED", "20261123"))
    print(f"seed: {seed} (replay with SOFTCHECK_SEED={seed})")
    rng = random.Random(seed)
    cases = [(op, fmt, xs, y) for fmt in FORMATS for xs, y in fixed_cases(fmt) for op in OPS]
    cases += random_cases(rng, 320)

    mismatches = checked = 0
    for op, fmt, xs, target in cases:
        try:
            got = run_cli(binary, op, fmt, xs, target)
        except RunError as error:
            print(f"error: {error}")
            return 2
        want = expected(op, fmt, xs, target)
        logits = ",".join(x.hex() for x in xs)
        if len(got) != len(want):
            print(f"MISMATCH {op} {fmt} logits={logits} target={target}: "
                  f"{len(got)} values, expected {len(want)}")
            mismatches += 1
            continue
        for i, (g, w) in enumerate(zip(got, want)):
            checked += 1
            if not same(g, w):
                mismatches += 1
                print(f"MISMATCH {op} {fmt} logits={logits} target={target} index={i}: "
                      f"got {g!r} ({g.hex()}), expected {w!r} ({w.hex()})")
    print(f"mpmath cross-check: {len(cases)} rows, {checked} values, {mismatches} mismatches "
          f"(seed {seed})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
