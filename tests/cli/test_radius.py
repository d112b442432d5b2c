"""`softcheck radius`: output, JSON, exit codes, and an independent mpmath check of the
certified radius. Without mpmath the test is skipped; without Arb (`--exact` is then a usage
error) only the usage errors run and the test reports Skipped (exit 77).

Usage: /usr/bin/python3 tests/cli/test_radius.py path/to/softcheck
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, import_or_skip, run, skip  # noqa: E402

mpmath = import_or_skip("mpmath")


def radius(*args):
    return run("radius", *args)


def expect_radius_error(label, args, needle):
    expect_usage_error(label, ["radius", *args], needle)


def radius_json(logits, direction, *extra):
    result = radius("--logits", logits, "--direction", direction, "--json", *extra)
    check(f"json {logits} / {direction}: exit 0", result.returncode == 0, result.stderr)
    return json.loads(result.stdout) if result.returncode == 0 else None


def test_hand_computable():
    # n = 2: rho* = sqrt(delta^2 + pi^2) / Delta_a; delta = 1.5, Delta_a = 1.5.
    expected = math.hypot(1.5, math.pi) / 1.5
    result = radius("--logits", "1,-0.5", "--direction", "0.3,-1.2", "--step", "0.5", "--exact")
    check("two classes: exit 0", result.returncode == 0, result.stderr)
    text = result.stdout
    check("text names rho_a and the binary radius", "rho_a = pi/Delta_a" in text and
          "binary radius" in text, text)
    out = radius_json("1,-0.5", "0.3,-1.2", "--step", "0.5", "--exact", "--target", "0")
    if out is None:
        return
    check("spread 1.5", out["spread"] == 1.5, str(out))
    check("rho_a = pi / 1.5, not above it", out["rho_a"] <= math.pi / 1.5 and
          abs(out["rho_a"] - math.pi / 1.5) < 1e-15, str(out))
    check("binary radius = sqrt(delta^2 + pi^2) / Delta_a",
          abs(out["binary_radius"] - expected) <= 1e-15 * expected, str(out))
    exact = out["exact"]
    check("certified", exact["status"] == "certified", str(exact))
    check("the certified interval contains the closed form",
          exact["lo"] <= expected <= exact["hi"], str(exact))
    check("interval width <= 1e-6", exact["hi"] / exact["lo"] - 1 <= 1e-6, str(exact))
    check("r = tau / rho_a", abs(out["r"] - 0.5 / (math.pi / 1.5)) < 1e-15, str(out))
    ghost = exact["ghosts"][0]
    check("nearest ghost at (z2 - z1 + i pi) / (a1 - a2) = -1 + 2.0944i",
          abs(ghost["re"] + 1) < 1e-12 and abs(abs(ghost["im"]) - math.pi / 1.5) < 1e-12, str(ghost))
    slope = 1 / (1 + math.exp(-1.5)) * 0.3 + 1 / (1 + math.exp(1.5)) * -1.2 - 0.3
    check("loss slope -a_y + sum p_k a_k", abs(out["loss_slope"] - slope) < 1e-15, str(out))


def f_at(z, a, t):
    return mpmath.fsum(mpmath.exp(zk + ak * t) for zk, ak in zip(z, a))


def nearest_zero_mpmath(z, a):
    """The nearest zero of F by mpmath: Newton (findroot) from a grid of starting points."""
    mpmath.mp.dps = 40
    spread = max(a) - min(a)
    rho = math.pi / spread
    found = []
    starts = [complex(rho * r * math.cos(phi), rho * r * math.sin(phi))
              for r in (1.05, 1.5, 2, 3, 5, 8) for phi in [math.pi * (k + 0.5) / 12 for k in range(12)]]
    for s in starts:
        try:
            root = mpmath.findroot(lambda t: f_at(z, a, t), mpmath.mpc(s))
        except (ValueError, ZeroDivisionError):
            continue
        if abs(f_at(z, a, root)) < mpmath.mpf(10) ** -25 * mpmath.fsum(
                abs(mpmath.exp(zk + ak * root)) for zk, ak in zip(z, a)):
            found.append(abs(root))
    return float(min(found)) if found else None


def test_against_mpmath():
    rows = [
        ([0.0, 1.0, -2.0], [1.0, -0.5, 0.25]),
        ([3.0, 0.0, 0.5, -1.0, 2.0], [0.1, 0.9, -0.7, 0.3, -0.2]),
        ([12.0, 0.0, -0.5, 0.25], [0.2, -0.3, 0.5, 0.1]),          # confident: gap 12
        ([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [1e-8, -1e-8, 0.0, 5e-9, 2e-9, -3e-9]),  # tiny spread
    ]
    for z, a in rows:
        out = radius_json(",".join(map(repr, z)), ",".join(map(repr, a)), "--exact")
        if out is None:
            continue
        exact = out["exact"]
        reference = nearest_zero_mpmath(z, a)
        label = f"n={len(z)} {z[:3]}..."
        check(label + ": certified", exact["status"] == "certified", str(exact))
        check(label + ": rho_a <= lo", out["rho_a"] <= exact["lo"], str(out))
        check(label + ": mpmath's nearest zero agrees to 6 digits",
              reference is not None and abs(reference / exact["hi"] - 1) <= 1e-6,
              f"mpmath {reference}, softcheck {exact}")


def test_degenerate():
    out = radius_json("1,2,3", "0.5,0.5,0.5", "--exact", "--step", "1")
    if out:
        check("equal directions: rho_a = inf", out["rho_a"] == "inf", str(out))
        check("equal directions: r = 0", out["r"] == 0, str(out))
        check("equal directions: exact status infinite", out["exact"]["status"] == "infinite",
              str(out))
    out = radius_json("4", "1")
    if out:
        check("one class: infinite", out["rho_a"] == "inf", str(out))
    out = radius_json("0,-inf,1", "1,5,-1", "--exact")
    if out:
        check("masked class: spread over all directions", out["spread"] == 6, str(out))
        check("masked class: certified over the kept classes", out["exact"]["status"] == "certified"
              and abs(out["exact"]["hi"] - math.hypot(1, math.pi) / 2) < 1e-6, str(out))


def test_usage_errors():
    expect_radius_error("length mismatch", ["--logits", "1,2,3", "--direction", "1,2"],
                        "directions")
    expect_radius_error("NaN logit", ["--logits", "1,nan", "--direction", "1,2"], "NaN")
    expect_radius_error("+inf logit", ["--logits", "1,inf", "--direction", "1,2"], "+inf")
    expect_radius_error("inf direction", ["--logits", "1,2", "--direction", "1,inf"], "direction")
    expect_radius_error("malformed direction", ["--logits", "1,2", "--direction", "1,x"],
                        "--direction")
    expect_radius_error("malformed logits", ["--logits", "1,,2", "--direction", "1,2,3"],
                        "--logits")
    expect_radius_error("no logits", ["--logits", "", "--direction", ""], "n >= 1")
    expect_radius_error("target out of range", ["--logits", "1,2", "--direction", "1,2",
                                                "--target", "2"], "out of range")
    expect_radius_error("negative step", ["--logits", "1,2", "--direction", "1,2", "--step", "-1"],
                        "--step")
    expect_radius_error("all masked", ["--logits", "-inf,-inf", "--direction", "1,2"], "-inf")
    expect_radius_error("missing --direction", ["--logits", "1,2"], "direction")


def certifies():
    """Whether this softcheck was built with Arb: without it --exact is a usage error naming Arb."""
    result = radius("--logits", "1,-0.5", "--direction", "0.3,-1.2", "--exact")
    return not (result.returncode == 2 and "Arb" in result.stderr)


def main():
    if not certifies():
        test_usage_errors()
        skip("--exact (the certified radius against closed forms and mpmath)",
             "softcheck built without Arb (cmake/Ghosts.cmake)")
        return finish()
    test_hand_computable()
    test_against_mpmath()
    test_degenerate()
    test_usage_errors()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
