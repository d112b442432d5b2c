"""softcheck exhaustive: the one-element shard of a bf16 sweep written, summarised and resumed
(a second run does not redo it); a directory of another sweep, a non-16-bit format, a kernel
of another format and a corrupt shard file are refused with exit 2.

(A pair shard, 2^24 rows, takes minutes: the sweep itself is scripts/exhaustive-bf16.sh, and
its committed shards are reports/exhaustive/bf16/.)

Usage: /usr/bin/python3 tests/cli/test_exhaustive.py path/to/build/softcheck
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run  # noqa: E402


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
        with open(shard, "w") as file:
            file.write("{")
        expect_usage_error("a corrupt shard file", sweep, ["bf16-singles.json"])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
