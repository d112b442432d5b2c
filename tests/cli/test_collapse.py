"""`softcheck collapse`: exit codes, one-line usage errors, the table and JSON, and the
measured softmax-collapse onset of libtorch's f32 cross-entropy against the theory. Without
libtorch (or the fixture plugin) that part is skipped and, if nothing else failed, the test
reports Skipped (exit 77), not Passed.

Usage: /usr/bin/python3 tests/cli/test_collapse.py path/to/softcheck
"""
import json
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import BINARY, check, expect_usage_error, finish, run, skip  # noqa: E402

# Theory (proofs/softmax-collapse.md): a sum of exponentials rounded to f32 (p = 24) is
# exactly 1, and log(sum) exactly 0, from g = 24 ln 2 + ln(n - 1) on when the 1 is added to
# the whole small sum. A vectorised reduction adds the 1 to a partial sum of the small terms
# instead, which moves the onset down by ln(lanes) at most: 16 f32 lanes (AVX-512) give
# ln 16 = 2.77. The measured onset is a grid gap (step 1/64) at or after the theoretical one.
PLAIN_SUM_F32 = 24 * math.log(2)
MAX_LANES = 16
STEP = 1 / 64
SINGLE_KERNEL = "builtin/cross_entropy/f32/online"


def expect_collapse_error(label, args, needle):
    expect_usage_error(label, ["collapse", *args], needle)


def test_usage_errors(tmp):
    expect_collapse_error("unknown kernel glob", ["--kernel", "nosuch/*"], "nosuch/*")
    expect_collapse_error("no cross_entropy kernel", ["--kernel", "builtin/softmax/*"],
                          "cross_entropy")
    expect_collapse_error("one class", ["--kernel", SINGLE_KERNEL, "--classes", "1"],
                          "--classes 1")
    expect_collapse_error("zero classes", ["--kernel", SINGLE_KERNEL, "--classes", "0"],
                          "--classes 0")
    expect_collapse_error("unknown layout", ["--kernel", SINGLE_KERNEL, "--layout", "dense"],
                          "dense")
    expect_collapse_error("unknown target position",
                          ["--kernel", SINGLE_KERNEL, "--target", "middle"], "middle")
    expect_collapse_error("unwritable --json",
                          ["--kernel", SINGLE_KERNEL, "--json",
                           os.path.join(tmp, "no", "such", "dir.json")], "cannot write")


def measure(tmp, kernel, classes, *extra):
    path = os.path.join(tmp, "collapse.json")
    args = ["collapse", "--kernel", kernel, "--layout", "zeros", "--json", path, *extra]
    for n in classes:
        args += ["--classes", str(n)]
    result = run(*args)
    document = None
    if result.returncode == 0:
        with open(path) as f:
            document = json.load(f)
    return result, document


def test_builtin_measurement(tmp):
    result, document = measure(tmp, SINGLE_KERNEL, [2, 10])
    check("collapse on a built-in kernel: exit 0", result.returncode == 0, result.stderr)
    if document is None:
        return
    check("progress lines on stderr", "collapse: " + SINGLE_KERNEL in result.stderr, result.stderr)
    check("the table names the kernel", SINGLE_KERNEL in result.stdout, result.stdout)
    check("JSON records the command line", document["command"].startswith("softcheck collapse"),
          str(document.get("command")))
    check("JSON records the version", bool(document.get("version")), str(document.get("version")))
    results = document["results"]
    check("one result per n", [r["n"] for r in results] == [2, 10], str(results)[:500])
    for r in results:
        # The 1+s kernel keeps log1p(s) apart from the 1: no zero before the reference's own.
        check(f"1+s kernel, n={r['n']}: no loss collapse", r["loss"]["zero_from"] is None, str(r))
        expected = r["theory"]["output_underflow"]
        check(f"n={r['n']}: the reference underflows at ln(n-1) + 150 ln 2",
              abs(r["reference_loss_zero_from"] - expected) < STEP
              and abs(expected - (math.log(r["n"] - 1) + 150 * math.log(2))) < 1e-9, str(r))

    quiet = run("collapse", "--kernel", SINGLE_KERNEL, "--classes", "2", "--layout", "zeros", "--quiet")
    check("--quiet: exit 0 and nothing on stderr", quiet.returncode == 0 and quiet.stderr == "",
          quiet.stderr)


def test_stablemax_by_default(tmp):
    # Without --kernel the sweep takes every stablemax_cross_entropy kernel as well. Theory
    # (proofs/softmax-collapse.md, "StableMax"): the built-ins keep log1p(R / s_a), so the
    # loss is never 0 and the reference's neither; the target gradient -T / ((g+1)(g+1+T))
    # underflows, kernel and reference alike, at g = sqrt(2T / denorm_min): 2^75 in f32 for
    # n = 2 (T = 1); a plain sum fl(g + 1 + T) would be g + 1 from g = 2^24 - 1 on.
    path = os.path.join(tmp, "default.json")
    result = run("collapse", "--classes", "2", "--layout", "zeros", "--quiet", "--json", path)
    check("default sweep: exit 0", result.returncode == 0, result.stderr)
    if result.returncode != 0:
        return
    with open(path) as f:
        results = json.load(f)["results"]
    stablemax = {r["kernel"]: r for r in results if r["op"] == "stablemax_cross_entropy"}
    for fmt in ["f32", "f64"]:
        kernel = f"builtin/stablemax_cross_entropy/{fmt}/two-pass"
        check(f"default sweep includes {kernel}", kernel in stablemax, str(sorted(stablemax)))
        check(f"the table lists {kernel}", kernel in result.stdout, result.stdout[-2000:])
    r = stablemax.get("builtin/stablemax_cross_entropy/f32/two-pass")
    if r is None:
        return
    check("StableMax f32: the loss is never 0", r["loss"]["zero_from"] is None
          and r["loss"]["first_zero"] is None and r["reference_loss_zero_from"] is None, str(r))
    check("StableMax f32: model s+R, geometric grid",
          r["theory"]["model"] == "s+R" and r["grid"].startswith("geometric"), str(r["theory"]))
    check("StableMax f32 n=2: plain sum from 2^24 - 1", r["theory"]["plain_sum"] == 2**24 - 1,
          str(r["theory"]))
    zero = r["reference_gradient_zero_from"]
    check("StableMax f32 n=2: the reference gradient is 0 from 2^75",
          zero is not None and abs(zero / 2**75 - 1) < 1e-6, str(zero))
    check("StableMax f32 n=2: the kernel's gradient is not 0 before it",
          r["target_gradient"]["zero_from"] is None, str(r["target_gradient"]))


def test_torch_f32(tmp):
    kernel = "torch/cross_entropy/f32/autograd"
    listed = run("list", "--kernel", "torch/*")
    if listed.returncode != 0 or kernel not in listed.stdout:
        skip(kernel, "libtorch not compiled in")
        return
    classes = [2, 10, 100, 1000]
    result, document = measure(tmp, kernel, classes, "--quiet")
    check("torch f32: exit 0", result.returncode == 0, result.stderr)
    if document is None:
        return
    for r in document["results"]:
        n = r["n"]
        plain_sum = PLAIN_SUM_F32 + math.log(n - 1)
        onset = r["loss"]["zero_from"]
        detail = f"n={n}: loss zero from {onset}, plain sum {plain_sum:.3f}"
        check(f"torch f32 n={n}: the loss collapses", onset is not None, detail)
        if onset is None:
            continue
        check(f"torch f32 n={n}: onset within [plain sum - ln {MAX_LANES}, plain sum + 1/64]",
              plain_sum - math.log(MAX_LANES) - STEP <= onset <= plain_sum + STEP, detail)
        check(f"torch f32 n={n}: the gradient collapses with the loss",
              r["target_gradient"]["zero_from"] == onset, str(r["target_gradient"]))
        check(f"torch f32 n={n}: far before the reference underflows",
              onset < r["reference_loss_zero_from"] - 80, str(r["reference_loss_zero_from"]))
    binary = [r for r in document["results"] if r["n"] == 2]
    if binary:  # two classes: no partial sums, exactly the plain-sum grid gap
        check("torch f32 n=2: collapses at the first grid gap >= 24 ln 2",
              binary[0]["loss"]["zero_from"] == math.ceil(PLAIN_SUM_F32 / STEP) * STEP,
              str(binary[0]["loss"]))


def test_plugin(tmp):
    # The fixture plugin keeps log1p(s) for the loss but computes the target gradient as
    # bf16(softmax_y) - 1: the cancelling gradient, exactly 0 once 1/(1 + s) rounds to 1 in
    # bf16 (p = 8), from (p + 1) ln 2 + ln(n - 1) on.
    fixture = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "tests", "fixtures", "plugins",
                           "ce_bf16_grad.so")
    if not os.path.exists(fixture):
        skip("--plugin", fixture + " not built")
        return
    path = os.path.join(tmp, "plugin.json")
    result = run("collapse", "--plugin", fixture, "--classes", "10", "--layout", "zeros", "--quiet",
                 "--json", path)
    check("--plugin: exit 0", result.returncode == 0, result.stderr)
    if result.returncode != 0:
        return
    with open(path) as f:
        results = json.load(f)["results"]
    check("--plugin alone: only the plugin's kernels",
          [r["provider"] for r in results] == ["plugin:ce-bf16-grad"], str([r["kernel"] for r in results]))
    if not results:
        return
    cancel = 9 * math.log(2) + math.log(9)
    onset = results[0]["target_gradient"]["zero_from"]
    check("cancelling bf16 gradient collapses at 9 ln 2 + ln 9",
          onset is not None and cancel <= onset < cancel + STEP, f"{onset} vs {cancel:.3f}")
    check("its log1p loss does not collapse", results[0]["loss"]["zero_from"] is None,
          str(results[0]["loss"]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_usage_errors(tmp)
        test_builtin_measurement(tmp)
        test_stablemax_by_default(tmp)
        test_torch_f32(tmp)
        test_plugin(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
