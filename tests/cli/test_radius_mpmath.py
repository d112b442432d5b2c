"""`softcheck radius --exact` against an independent mpmath computation of the nearest zero of
F(t) = sum_k exp(z_k + a_k t), whose modulus is the Taylor radius rho* of the line loss.

On seeded random rows of 2 to 50 classes (normal, confident with a gap up to 50, tiny spreads
down to Delta_a = 1e-8, ties, two classes) it checks that
  - the certified interval is sound and tight: rho_a <= lo <= hi, hi / lo - 1 <= 1e-6, and
    rho_a <= pi / Delta_a (computed here in mpmath);
  - (a) mpmath's Newton (findroot, mp.dps = 50), started from softcheck's reported zero,
    converges to a zero of F (verified by the size of F there, relative to its terms) whose
    modulus lies in [lo, hi] and agrees with softcheck's zero to 6 significant digits;
  - (b) that zero is the nearest: the winding number of F around |t| = 0.9999 |zero| is 0 and
    around |t| = 1.0001 |zero| it is >= 1 (argument principle; arg F is sampled along the
    circle with adaptive bisection until every step changes arg F by < pi/4 and the local
    rate |F'/F| predicts a change < pi/4 too, so no turn can hide between samples).

The softcheck zero is used only as Newton's starting point; the modulus, the zero property
and "nearest" are all established by mpmath here.

Skipped (exit 77) without mpmath, or when softcheck was built without Arb (no --exact).

Usage: /usr/bin/python3 tests/cli/test_radius_mpmath.py path/to/softcheck
SOFTCHECK_SEED=N replays another set of rows (default below; the seed is printed).
"""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, finish, import_or_skip, run, skip_all  # noqa: E402

mpmath = import_or_skip("mpmath")

DEFAULT_SEED = 20250105
DPS = 50                     # mpmath decimal digits for Newton and the winding count
AGREE = 1e-6                 # "6 significant digits": relative difference of the moduli
WIDTH = 1e-6                 # the certified interval's target, hi / lo - 1
INNER, OUTER = 0.9999, 1.0001  # circle radii, relative to the nearest zero's modulus
ZERO_TOLERANCE = mpmath.mpf(10) ** -35  # |F(t*)| / sum_k |terms| that counts as a zero
MAX_STEP = math.pi / 4       # largest accepted change of arg F between two samples
MAX_DEPTH = 60               # bisections of an arc before the count gives up
START_ARCS = 16              # initial samples on a circle (then adaptive)
ROWS_PER_KIND = 4            # rows per family below: 6 families x 4 = 24 rows (~15 s)
MAX_CLASSES = 50


# ---------------------------------------------------------------- rows

def normal_row(rng, n):
    sigma = rng.choice([1.0, 3.0, 10.0])
    scale = rng.choice([1e-3, 0.1, 1.0, 30.0])
    return [rng.gauss(0, sigma) for _ in range(n)], [rng.gauss(0, scale) for _ in range(n)]


def confident_row(rng, n):
    """One logit ahead of the rest by a gap up to 50 (the first row of a run: exactly 50)."""
    z, a = normal_row(rng, n)
    gap = 50.0 if rng.random() < 0.3 else rng.uniform(5, 50)
    top = rng.randrange(n)
    z[top] = max(v for k, v in enumerate(z) if k != top) + gap if n > 1 else gap
    return z, a


def tiny_spread_row(rng, n):
    """Delta_a between 1e-8 and 1e-5 around an offset (the ends pinned so Delta_a is known)."""
    spread = 10 ** rng.uniform(-8, -5) if rng.random() < 0.5 else 1e-8
    offset = rng.choice([0.0, 1.0, -3.75])
    z = [rng.gauss(0, rng.choice([1.0, 5.0])) for _ in range(n)]
    a = [offset + spread * rng.random() for _ in range(n)]
    a[0], a[-1] = offset, offset + spread
    return z, a


def ties_row(rng, n):
    """Many equal directions (the ends distinct)."""
    z, a = normal_row(rng, n)
    for k in range(1, n, 2):
        a[k] = a[0]
    if len(set(a)) == 1:
        a[-1] = a[0] + 1
    return z, a


def extreme_row(rng, n):
    """Large logits of both signs and an outlying direction."""
    z = [rng.uniform(-700, 700) for _ in range(n)]
    a = [rng.uniform(-1, 1) for _ in range(n)]
    a[rng.randrange(n)] = rng.choice([-5.0, 5.0])
    return z, a


KINDS = [
    ("normal", normal_row, (3, MAX_CLASSES)),
    ("confident", confident_row, (2, MAX_CLASSES)),
    ("tiny-spread", tiny_spread_row, (2, MAX_CLASSES)),
    ("ties", ties_row, (3, MAX_CLASSES)),
    ("extreme", extreme_row, (3, 30)),
    ("two-classes", normal_row, (2, 2)),
]


def rows(seed):
    rng = random.Random(seed)
    for kind, make, (n_lo, n_hi) in KINDS:
        for i in range(ROWS_PER_KIND):
            # one row per kind at the largest n, the rest spread over the range
            n = n_hi if i == 0 else rng.randint(n_lo, n_hi)
            z, a = make(rng, n)
            if max(a) == min(a):  # F has no zero: not a row for this test
                a[-1] += 1
            yield f"{kind} n={n}", z, a


# ---------------------------------------------------------------- mpmath

class Line:
    """G(t) = sum_k exp(z_k + b_k t), b_k = a_k - c with c the midpoint of the directions.

    G = F exp(-c t): the same zeros, and e^(-c t) has none, so the winding numbers around any
    circle agree; subtracting c (exactly, in mpmath) keeps the phase of the terms small."""

    def __init__(self, z, a):
        c = (mpmath.mpf(max(a)) + mpmath.mpf(min(a))) / 2
        kept = [(zk, ak) for zk, ak in zip(z, a) if zk != -math.inf]
        self.z = [mpmath.mpf(zk) for zk, _ in kept]
        self.b = [mpmath.mpf(ak) - c for _, ak in kept]

    def terms(self, t):
        return [mpmath.exp(zk + bk * t) for zk, bk in zip(self.z, self.b)]

    def value(self, t):
        return mpmath.fsum(self.terms(t))

    def value_and_slope(self, t):
        e = self.terms(t)
        return mpmath.fsum(e), mpmath.fsum(bk * ek for bk, ek in zip(self.b, e))

    def is_zero(self, t):
        e = self.terms(t)
        return abs(mpmath.fsum(e)) <= ZERO_TOLERANCE * mpmath.fsum(abs(ek) for ek in e)


def newton_zero(line, start):
    """mpmath findroot (Newton) from start; None unless it ends on a zero of G."""
    try:
        t = mpmath.findroot(line.value, mpmath.mpc(start), solver="newton",
                            df=lambda t: line.value_and_slope(t)[1], verify=False, maxsteps=100)
    except (ZeroDivisionError, ValueError):
        return None
    return t if line.is_zero(t) else None


def winding_number(line, radius):
    """Zeros of G inside |t| < radius, by the argument principle: the total change of arg G
    along the circle over 2 pi. None when the samples cannot resolve it (a zero too close)."""
    radius = mpmath.mpf(radius)

    def sample(s):  # s in [0, 1]: t = radius e^(2 pi i s)
        t = radius * mpmath.expjpi(2 * s)
        g, g1 = line.value_and_slope(t)
        return g, abs(g1 / g) if g != 0 else mpmath.inf

    def change(s0, v0, s1, v1, depth):
        step = mpmath.arg(v1[0] / v0[0])  # principal value, in (-pi, pi]
        # |d arg G / ds| <= |G'/G| |dt/ds| = |G'/G| 2 pi radius: the predicted change
        predicted = max(v0[1], v1[1]) * 2 * mpmath.pi * radius * (s1 - s0)
        if abs(step) < MAX_STEP and predicted < MAX_STEP:
            return step
        if depth >= MAX_DEPTH:
            raise ArithmeticError("arg G not resolved")
        sm = (s0 + s1) / 2
        vm = sample(sm)
        return change(s0, v0, sm, vm, depth + 1) + change(sm, vm, s1, v1, depth + 1)

    points = [mpmath.mpf(k) / START_ARCS for k in range(START_ARCS + 1)]
    values = [sample(s) for s in points[:-1]]
    values.append(values[0])  # s = 1 is s = 0
    try:
        total = mpmath.fsum(change(points[k], values[k], points[k + 1], values[k + 1], 0)
                            for k in range(START_ARCS))
    except ArithmeticError:
        return None
    turns = total / (2 * mpmath.pi)
    count = int(mpmath.nint(turns))
    return count if abs(turns - count) < 0.1 else None


# ---------------------------------------------------------------- the test

def softcheck_exact(z, a):
    result = run("radius", "--logits", ",".join(map(repr, z)), "--direction",
                 ",".join(map(repr, a)), "--exact", "--json")
    if result.returncode != 0:
        return None, result.stderr
    return json.loads(result.stdout), None


def check_row(label, z, a):
    out, error = softcheck_exact(z, a)
    check(label + ": exit 0", out is not None, error)
    if out is None:
        return
    exact = out["exact"]
    check(label + ": certified", exact["status"] == "certified", str(exact))
    if exact["status"] != "certified":
        return
    lo, hi, rho_a = exact["lo"], exact["hi"], out["rho_a"]
    exact_rho_a = mpmath.pi / (mpmath.mpf(max(a)) - mpmath.mpf(min(a)))
    check(label + ": rho_a <= pi / Delta_a (mpmath)", rho_a <= exact_rho_a, f"{rho_a} {exact_rho_a}")
    check(label + ": rho_a <= lo <= hi", rho_a <= lo <= hi, str(out))
    check(label + ": hi / lo - 1 <= 1e-6", hi / lo - 1 <= WIDTH, str(exact))

    ghost = exact["ghosts"][0]
    reported = complex(ghost["re"], ghost["im"])
    line = Line(z, a)
    zero = newton_zero(line, reported)
    check(label + ": mpmath Newton from the reported zero ends on a zero of F", zero is not None,
          f"start {reported}")
    if zero is None:
        return
    modulus = abs(zero)
    check(label + ": mpmath's |zero| lies in the certified [lo, hi]",
          mpmath.mpf(lo) <= modulus <= mpmath.mpf(hi), f"|zero| {modulus}, [{lo}, {hi}]")
    check(label + ": |zero| agrees with softcheck's to 6 significant digits",
          abs(modulus / abs(reported) - 1) <= AGREE, f"mpmath {modulus}, softcheck {reported}")
    inner = winding_number(line, INNER * modulus)
    outer = winding_number(line, OUTER * modulus)
    check(label + ": no zero inside 0.9999 |zero| (argument principle)", inner == 0,
          f"winding {inner}, |zero| {mpmath.nstr(modulus, 17)}")
    check(label + ": a zero inside 1.0001 |zero| (argument principle)",
          outer is not None and outer >= 1, f"winding {outer}")


def main():
    probe = run("radius", "--logits", "1,-0.5", "--direction", "0.3,-1.2", "--exact")
    if probe.returncode == 2 and "Arb" in probe.stderr:
        skip_all("softcheck built without Arb (cmake/Ghosts.cmake): no certified radius to check")
    seed = int(os.environ.get("SOFTCHECK_SEED", DEFAULT_SEED))
    print(f"seed {seed} (SOFTCHECK_SEED={seed} replays)")
    mpmath.mp.dps = DPS
    for label, z, a in rows(seed):
        check_row(label, z, a)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
