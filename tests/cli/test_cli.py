"""Command-line behaviour of `softcheck`: exit codes, one-line errors, outputs.

Usage: /usr/bin/python3 tests/cli/test_cli.py path/to/softcheck
"""
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run  # noqa: E402


def test_usage_errors(tmp):
    expect_usage_error("unknown op", ["reference", "softmaxx", "--dtype", "f32", "--logits", "1,2"],
                       "softmaxx")
    expect_usage_error("unknown dtype", ["reference", "softmax", "--dtype", "f8", "--logits", "1"],
                       "f8")
    expect_usage_error("malformed logits", ["reference", "softmax", "--dtype", "f32",
                                            "--logits", "1,abc,3"], "abc")
    expect_usage_error("empty logit", ["reference", "softmax", "--dtype", "f32", "--logits", "1,,3"],
                       "empty")
    expect_usage_error("target out of range", ["reference", "cross_entropy", "--dtype", "f32",
                                                "--logits", "1,2", "--target", "2"], "out of range")
    expect_usage_error("missing target", ["reference", "cross_entropy", "--dtype", "f32",
                                          "--logits", "1,2"], "--target")
    expect_usage_error("Z-loss a outside its domain", ["reference", "z_loss", "--dtype", "f64",
                                                        "--logits", "1,2,4", "--target", "0",
                                                        "--a", "0"], "a > 0")
    expect_usage_error("comp-sum tau outside [0, 2]", ["reference", "comp_sum", "--dtype", "f64",
                                                        "--logits", "1,2", "--target", "0",
                                                        "--tau", "3"], "tau")
    expect_usage_error("unknown kernel glob", ["gate", "--kernel", "nosuch/*"], "nosuch/*")
    expect_usage_error("unknown suite", ["gate", "--suite", "huge", "--kernel", "builtin/softmax/f32/online"],
                       "huge")
    missing = os.path.join(tmp, "missing.json")
    expect_usage_error("unreadable contract", ["gate", "--contract", missing], "missing.json")
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"rules": [{"kernel": "*", "max_ulps": 3}]}')
    expect_usage_error("unknown contract field", ["gate", "--contract", bad], "max_ulps")
    with open(bad, "w") as f:
        f.write('{"rules": [')
    expect_usage_error("malformed contract JSON", ["gate", "--contract", bad], "not valid JSON")
    expect_usage_error("unknown subcommand", ["frobnicate"], "frobnicate")


def test_list():
    result = run("list", "--json")
    kernels = json.loads(result.stdout)
    names = {k["name"] for k in kernels}
    check("list --json exits 0", result.returncode == 0)
    for expected in ["builtin/softmax/f32/two-pass", "builtin/softmax/f64/online",
                     "builtin/log_softmax/f32/three-pass-reload", "builtin/cross_entropy/f64/naive",
                     "builtin/logsumexp/f32/online", "builtin/softmax/bf16/online",
                     "builtin/cross_entropy/f16/three-pass-reload"]:
        check(f"list has {expected}", expected in names)
    check("list entries carry op/format/algorithm/provider",
          all({"op", "format", "algorithm", "provider"} <= set(k) for k in kernels))
    table = run("list")
    check("list table exits 0", table.returncode == 0 and "builtin/softmax/f32/online" in table.stdout)


def test_reference_output():
    result = run("reference", "softmax", "--dtype", "f32", "--logits", "0,0,0,0")
    check("reference softmax of equal logits", result.stdout.split() == ["0.25", "0x1p-2"] * 4,
          result.stdout)
    result = run("reference", "cross_entropy", "--dtype", "f64", "--logits", "0,-inf",
                 "--target", "0")
    lines = result.stdout.splitlines()
    check("reference cross_entropy prints loss then gradient", len(lines) == 3, result.stdout)
    result = run("reference", "logsumexp", "--dtype", "f16", "--logits", "")
    check("reference logsumexp of an empty row is -inf", result.stdout.strip() == "-inf -inf",
          result.stdout)
    result = run("reference", "softmax", "--dtype", "f32", "--logits", "0.1,0.2")
    check("non-representable logits are rounded with a note",
          result.returncode == 0 and "rounded" in result.stderr, result.stderr)


def test_gate(tmp):
    json_path = os.path.join(tmp, "gate.json")
    junit_path = os.path.join(tmp, "gate.xml")
    result = run("gate", "--suite", "quick", "--quiet", "--kernel", "builtin/softmax/f32/*",
                 "--json", json_path, "--junit", junit_path)
    check("gate over f32 softmax kernels exits 0 (naive fails as expected)", result.returncode == 0,
          result.stdout[-3000:] + result.stderr)
    check("gate prints the table with a verdict line", "gate PASSED" in result.stdout, result.stdout)
    check("naive kernel is flagged", "xfail" in result.stdout and "expected violation" in result.stdout,
          result.stdout[-2000:])
    report = json.load(open(json_path))
    verdicts = {k["name"]: k["verdict"] for k in report["kernels"]}
    check("json has a verdict per kernel", verdicts.get("builtin/softmax/f32/naive") == "xfail"
          and verdicts.get("builtin/softmax/f32/online") == "pass", str(verdicts))
    suites = ElementTree.parse(junit_path).getroot()
    check("junit has one suite per kernel", len(suites.findall("testsuite")) == len(verdicts))

    strict = os.path.join(tmp, "strict.json")
    with open(strict, "w") as f:
        json.dump({"rules": [{"kernel": "*/naive", "expect": "pass"}]}, f)
    result = run("gate", "--suite", "quick", "--quiet", "--kernel", "builtin/softmax/f32/naive",
                 "--contract", strict)
    check("naive kernel held to a passing contract fails the gate (exit 1)",
          result.returncode == 1, result.stdout[-2000:])
    check("violation prints a reproducer", "VIOLATION" in result.stdout and "replay" in result.stdout)

    exact = os.path.join(tmp, "exact.json")
    with open(exact, "w") as f:
        json.dump({"rules": [{"kernel": "*", "max_ulp": 0, "ulp_per_gap": 0, "ulp_per_element": 0,
                              "abs_ulp_of_scale": 0, "subnormal_ulp": 0, "sum_slack": 0}]}, f)
    result = run("gate", "--suite", "quick", "--quiet", "--kernel", "builtin/log_softmax/f32/two-pass",
                 "--contract", exact)
    check("a correctly-rounded-only contract catches a real kernel's rounding errors",
          result.returncode == 1, result.stdout[-2000:])

    result = run("gate", "--suite", "quick", "--quiet", "--kernel", "builtin/softmax/f32/online",
                 "--json", os.path.join(tmp, "no", "such", "dir.json"))
    check("unwritable --json is a usage error", result.returncode == 2, result.stderr)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_usage_errors(tmp)
        test_list()
        test_reference_output()
        test_gate(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
