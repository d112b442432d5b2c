"""`softcheck hconsistency`: exit codes, one-line usage errors, the summary and the JSON.

Usage: /usr/bin/python3 tests/cli/test_hconsistency.py path/to/softcheck
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run  # noqa: E402


def test_usage_errors(tmp):
    expect_usage_error("tau above 2", ["hconsistency", "--tau", "2.5", "--classes", "3"], "--tau")
    expect_usage_error("tau below 0", ["hconsistency", "--tau", "-0.1", "--classes", "3"], "--tau")
    expect_usage_error("one class", ["hconsistency", "--tau", "1", "--classes", "1"], "--classes 1")
    expect_usage_error("zero samples", ["hconsistency", "--tau", "1", "--classes", "3",
                                        "--samples", "0"], "--samples 0")
    expect_usage_error("missing --tau", ["hconsistency", "--classes", "3"], "--tau")
    expect_usage_error("unwritable --json", ["hconsistency", "--tau", "1", "--classes", "3",
                                             "--json", os.path.join(tmp, "no", "dir.json")],
                       "cannot write")


def test_check_and_json(tmp):
    path = os.path.join(tmp, "hc.json")
    result = run("hconsistency", "--tau", "0.5", "--classes", "3", "--samples", "300",
                 "--seed", "5", "--search", "--json", path, "--quiet")
    check("exit 0 without violations", result.returncode == 0, result.stdout + result.stderr)
    check("--quiet: nothing on stderr", result.stderr == "", result.stderr)
    check("seed printed", "seed 5" in result.stdout, result.stdout)
    check("verdict printed", "ok: no sample violates the bound" in result.stdout, result.stdout)
    check("search table printed", "worst cases" in result.stdout, result.stdout)
    with open(path) as f:
        doc = json.load(f)
    check("json: samples and violations", doc["samples"] == 300 and doc["violations"] == 0, doc)
    check("json: precision >= 200 bits", doc["precision_bits"] >= 200, doc["precision_bits"])
    check("json: search worst cases within 1e-6 of the curve (tau 0.5 is tight)",
          all(-1e-60 <= w["slack"] <= 1e-6 for w in doc["search"]), doc["search"])
    check("json: cloud points", len(doc["cloud"]) > 0)
    again = run("hconsistency", "--tau", "0.5", "--classes", "3", "--samples", "300", "--seed", "5")
    check("same seed, same summary", again.stdout.splitlines()[2:4] == result.stdout.splitlines()[2:4],
          again.stdout)
    check("progress line on stderr without --quiet", "seed 5" in again.stderr, again.stderr)


def test_help_lists_command():
    result = run("nosuch")
    check("unknown command lists hconsistency", "hconsistency" in result.stderr, result.stderr)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        test_usage_errors(tmp)
        test_check_and_json(tmp)
        test_help_lists_command()
    sys.exit(finish())
