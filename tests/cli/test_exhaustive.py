"""softcheck exhaustive: the one-element shard of a bf16 sweep written, summarised and resumed
(a second run does not redo it); a directory of another sweep, a non-16-bit format, a kernel
of another format and a corrupt shard file are refused with exit 2; the summary of the
committed shard pairs-0x43 names its flagged families.

(A pair shard, 2^24 rows, takes minutes: the sweep itself is scripts/exhaustive-bf16.sh, and
its committed shards are reports/exhaustive/bf16/.)

Usage: /usr/bin/python3 tests/cli/test_exhaustive.py path/to/build/softcheck
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def check_committed_bias_flags(work):
    """The summary of the committed shard pairs-0x43 names each flagged family and its
    statistics (a family's violation has no logits to print)."""
    committed = os.path.join(ROOT, "reports", "exhaustive", "bf16", "bf16-pairs-0x43.json")
    kernels = []
    with open(os.path.join(ROOT, "scripts", "exhaustive-bf16.sh")) as file:
        for line in file:
            if line.strip().startswith("--kernel"):
                kernels += ["--kernel", line.split()[1]]
    out = os.path.join(work, "committed")
    os.makedirs(out)
    shutil.copy(committed, out)
    result = run("exhaustive", "--format", "bf16", *kernels, "--out", out, "--max-shards", "0")
    check("summary of a committed shard with violations: exit 1", result.returncode == 1, result.stderr)
    with open(os.path.join(out, "bf16-summary.md")) as file:
        text = file.read()
    for side in ("0", "1"):
        check(f"summary: the flagged family of target side {side} is named",
              f"bias, family exhaustive-bf16-pairs-0x43-target-{side}: measurement" in text, text)


def main():
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "sweep")
        sweep = ["exhaustive", "--format", "bf16", "--kernel", "builtin/softmax/bf16/two-pass",
                 "--kernel", "builtin/softmax/bf16/three-pass-recompute", "--out", out, "--quiet"]
        result = run(*sweep, "--max-shards", "1")
        check("one shard: exit 0", result.returncode == 0,
              result.stdout + result.stderr)
        shard = os.path.join(out, "bf16-singles.json")
        check("the one-element shard comes first", os.path.isfile(shard), os.listdir(out) if os.path.isdir(out) else out)
        if not os.path.isfile(shard):
            return finish()
        with open(shard) as file:
            document = json.load(file)
        check("65,536 one-element rows", document["rows"] == 65536, document["rows"])
        kernels = {k["name"]: k for k in document["kernels"]}
        for name, kernel in kernels.items():
            check(f"{name}: no violation, every check counted",
                  all(c["violations"] == 0 for c in kernel["checks"].values())
                  and kernel["checks"]["accuracy"]["elements"] > 0, kernel["checks"])
        check("the command is recorded", "exhaustive" in document["command"])
        summary = os.path.join(out, "bf16-summary.md")
        check("summary written", os.path.isfile(summary))
        with open(summary) as file:
            text = file.read()
        check("summary: 1 shard of 257, the singles present",
              "0 of 256 pair shards present" in text and "one-element rows present" in text, text[:600])
        check("hardest cases written", os.path.isfile(os.path.join(out, "bf16-hardest.json")))

        before = os.stat(shard).st_mtime_ns
        result = run(*sweep, "--max-shards", "0")
        check("resume: exit 0", result.returncode == 0, result.stderr)
        check("resume: the shard present is not run again", os.stat(shard).st_mtime_ns == before)
        check("resume: the summary counts it", "1 of 257 shards" in result.stdout, result.stdout)

        expect_usage_error("another sweep's directory",
                           ["exhaustive", "--format", "bf16", "--kernel", "builtin/softmax/bf16/two-pass",
                            "--out", out, "--max-shards", "1"], ["another sweep"])
        expect_usage_error("an f32 sweep", ["exhaustive", "--format", "f32", "--kernel",
                                            "builtin/softmax/f32/two-pass", "--out", out], ["bf16 or f16"])
        expect_usage_error("a kernel of another format",
                           ["exhaustive", "--format", "f16", "--kernel", "builtin/softmax/bf16/two-pass",
                            "--out", out], ["not a f16 kernel"])
        expect_usage_error("no kernel", ["exhaustive", "--out", out], ["--kernel"])
        expect_usage_error("gate --suite exhaustive points to the command",
                           ["gate", "--kernel", "builtin/softmax/bf16/two-pass", "--suite", "exhaustive"],
                           ["softcheck exhaustive"])
        expect_usage_error("--shard 0/2", sweep + ["--shard", "0/2"], ["--shard"])
        split = os.path.join(work, "split")
        split_sweep = ["exhaustive", "--format", "f16", "--kernel", "builtin/softmax/f16/two-pass",
                       "--out", split, "--quiet", "--max-shards", "1"]
        result = run(*split_sweep, "--shard", "1/2")
        check("--shard 1/2 takes the first position: the singles",
              result.returncode == 0 and os.listdir(split) and
              os.path.isfile(os.path.join(split, "f16-singles.json")), result.stderr)
        check_committed_bias_flags(work)
        with open(shard, "w") as file:
            file.write("{")
        expect_usage_error("a corrupt shard file", sweep, ["bf16-singles.json"])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
