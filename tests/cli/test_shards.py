"""Sharded gate runs: N shards run as separate processes and joined by `softcheck merge` give
the unsharded run's result (times aside), for N in 1, 2, 3 and 7, over every built-in kernel
(attention included) on the default suite, and for vector files that PyTorch wrote (skipped
when `import torch` fails); Bazel's and GoogleTest's shard variables are honoured; a missing
shard, a shard given twice and a shard from another plan are refused.
With SOFTCHECK_SHARD_TEST_SMALL=1 (the sanitized build), the f32 softmax and attention kernels
and the quick suite's vector files stand in for every kernel and the default suite's.

Usage: /usr/bin/python3 tests/cli/test_shards.py path/to/build/softcheck
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run, skip  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TORCH_SCRIPT = os.path.join(REPO, "scripts", "vectors_torch.py")

VARYING = {"seconds", "command", "version"}  # what differs between equal runs
SMALL = os.environ.get("SOFTCHECK_SHARD_TEST_SMALL") == "1"
KERNELS = ["builtin/softmax/f32/*", "builtin/attention/f32/*"] if SMALL else ["builtin/*"]
VECTOR_SUITE = "quick" if SMALL else "default"


def without_times(value):
    """The document with every time, command line and version removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def load(path):
    with open(path) as file:
        return json.load(file)


def first_difference(a, b, where="$"):
    """Where two JSON values first differ, for the failure message."""
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where}.{key}: only in one"
            found = first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} entries"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{where}: {a!r} vs {b!r}"


def shard_files(work, args, count, tag):
    """Runs shards 1..count of `softcheck args` (gate or vectors check) as separate processes;
    their files."""
    files = []
    for k in range(1, count + 1):
        path = os.path.join(work, f"{tag}-{k}-of-{count}.json")
        result = run(*args, "--shard", f"{k}/{count}", "--json", path, "--quiet")
        check(f"{tag}: shard {k}/{count} exits 0 or 1", result.returncode in (0, 1),
              result.stderr[-2000:])
        files.append(path)
    return files


def merged_equals_whole(work, args, count, whole, tag):
    files = shard_files(work, args, count, tag)
    merged = os.path.join(work, f"{tag}-merged-{count}.json")
    result = run("merge", *files, "--json", merged)
    whole_doc = load(whole["json"])
    check(f"{tag}: merge of {count} shards exits as the whole run ({whole['exit']})",
          result.returncode == whole["exit"], result.stdout[-1500:] + result.stderr[-1500:])
    if not os.path.isfile(merged):
        check(f"{tag}: merge of {count} shards writes JSON", False)
        return files
    difference = first_difference(without_times(load(merged)), without_times(whole_doc))
    check(f"{tag}: {count} shards merged equal the unsharded JSON (times aside)",
          difference is None, difference)
    return files


def main():
    with tempfile.TemporaryDirectory() as work:
        # Every built-in kernel, attention included, on the default suite.
        args = ["gate", "--suite", "default"]
        for glob in KERNELS:
            args += ["--kernel", glob]
        whole_path = os.path.join(work, "whole.json")
        result = run(*args, "--json", whole_path, "--quiet")
        check("unsharded gate runs", result.returncode in (0, 1), result.stderr[-2000:])
        whole = {"json": whole_path, "exit": result.returncode}
        shards = {}
        for count in (1, 2, 3, 7):
            shards[count] = merged_equals_whole(work, args, count, whole, "builtin")
        parts = [len(load(path)["parts"]) for path in shards[7]]
        check("7 shards each check some of the work", all(p > 0 for p in parts), parts)

        # Refusals, on small runs.
        small = ["gate", "--kernel", "builtin/softmax/*/naive", "--suite", "quick"]
        three = shard_files(work, small, 3, "small")
        expect_usage_error("a missing shard", ["merge", three[0], three[2]],
                           ["missing shard(s) 2/3"])
        expect_usage_error("a shard given twice", ["merge", three[0], three[0], three[1]],
                           ["given twice"])
        other = shard_files(work, small + ["--seed", "2"], 3, "seed2")
        expect_usage_error("a shard of another plan", ["merge", three[0], three[1], other[2]],
                           ["not of", "plan"])
        two = shard_files(work, small, 2, "small")
        expect_usage_error("a shard of another count", ["merge", three[0], two[1]], ["plan"])
        not_shard = os.path.join(work, "not-shard.json")
        with open(not_shard, "w") as file:
            file.write('{"tool": "softcheck"}')
        expect_usage_error("a file that is not a shard", ["merge", not_shard], ["not a shard file"])
        broken = os.path.join(work, "broken.json")
        with open(three[0]) as source, open(broken, "w") as file:
            file.write(source.read()[:-200])
        expect_usage_error("a truncated shard file", ["merge", broken], ["broken.json"])
        for text in ("0/3", "4/3", "1/0", "x", "1/3/2"):
            expect_usage_error(f"--shard {text}", ["gate", "--kernel", "builtin/softmax/f32/naive",
                                                   "--shard", text, "--json",
                                                   os.path.join(work, "x.json")], ["--shard"])
        expect_usage_error("a shard without --json", ["gate", "--kernel", "builtin/softmax/f32/naive",
                                                      "--shard", "1/2"], ["--json"])
        expect_usage_error("a shard with --junit", ["gate", "--kernel", "builtin/softmax/f32/naive",
                                                    "--shard", "1/2", "--json", os.path.join(work, "y.json"),
                                                    "--junit", os.path.join(work, "y.xml")], ["merge"])

        # Test runners' shard variables.
        one = ["gate", "--kernel", "builtin/softmax/*/naive", "--suite", "quick", "--quiet"]
        status = os.path.join(work, "bazel-status")
        bazel = os.path.join(work, "bazel.json")
        result = run(*one, "--json", bazel, env={"TEST_TOTAL_SHARDS": "3", "TEST_SHARD_INDEX": "1",
                                                  "TEST_SHARD_STATUS_FILE": status})
        check("Bazel's variables: a shard runs", result.returncode in (0, 1), result.stderr)
        check("Bazel's variables: TEST_SHARD_STATUS_FILE touched", os.path.isfile(status))
        if os.path.isfile(bazel):
            check("Bazel's variables: shard 2/3 (TEST_SHARD_INDEX from 0)",
                  load(bazel)["shard"] == {"index": 2, "count": 3}, load(bazel)["shard"])
        gtest = os.path.join(work, "gtest.json")
        result = run(*one, "--json", gtest, env={"GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": "0"})
        check("GoogleTest's variables: a shard runs", result.returncode in (0, 1), result.stderr)
        if os.path.isfile(gtest):
            check("GoogleTest's variables: shard 1/2", load(gtest)["shard"] == {"index": 1, "count": 2},
                  load(gtest)["shard"])
        flag = os.path.join(work, "flag.json")
        run(*one, "--json", flag, "--shard", "2/2", env={"GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": "0"})
        if os.path.isfile(flag):
            check("--shard wins over the variables", load(flag)["shard"] == {"index": 2, "count": 2})
        result = run(*one, "--json", os.path.join(work, "bad.json"),
                     env={"GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": "2"})
        check("GTEST_SHARD_INDEX past the count: exit 2", result.returncode == 2, result.stderr)
        check("GTEST_SHARD_INDEX past the count: named", "GTEST_SHARD_INDEX" in result.stderr,
              result.stderr)
        test_vector_files(work)
    return finish()


def test_vector_files(work):
    """PyTorch's outputs for exported vector files (the row ops and attention), checked whole
    and in shards."""
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        skip("vector files in shards", "import torch failed for " + sys.executable)
        return
    directory = os.path.join(work, "torch")
    result = run("vectors", "export", "--dir", directory, "--suite", VECTOR_SUITE, "--op", "softmax",
                 "--op", "log_softmax", "--op", "cross_entropy", "--op", "attention")
    check("vectors: export exit 0", result.returncode == 0, result.stderr)
    script = subprocess.run([sys.executable, TORCH_SCRIPT, "--dir", directory, "--device", "cpu"],
                            capture_output=True, text=True, timeout=600)
    check("vectors: vectors_torch.py exit 0", script.returncode == 0, script.stdout + script.stderr)
    args = ["vectors", "check", "--dir", directory]
    whole_path = os.path.join(work, "vectors-whole.json")
    result = run(*args, "--json", whole_path, "--quiet")
    check("vectors: unsharded check runs", result.returncode in (0, 1), result.stderr[-2000:])
    whole = {"json": whole_path, "exit": result.returncode}
    for count in (1, 2, 3, 7):
        merged_equals_whole(work, args, count, whole, "vectors")
    doc = load(whole_path)
    check("vectors: the check had cases to split",
          doc["vectors"]["checked"] > 7 and len(doc["kernels"]) >= 3, doc.get("vectors"))
    attention = doc.get("attention", {}).get("kernels", [])
    check("vectors: PyTorch's attention outputs were checked too",
          any(k["name"].startswith("vectors:torch/attention/") and k["cases"] > 0 for k in attention),
          [k["name"] for k in attention])


if __name__ == "__main__":
    sys.exit(main())
