#!/usr/bin/python3
"""Smoke test of the grokking driver (ctest analyses_grokking_smoke): a few full-batch steps of
each run, checking the CSV each writes: provenance comments, the header, one row per log step,
fractions in [0, 1]; a run resumed from its checkpoint logs the same rows as the run made in
one go, and a checkpoint of other options is refused. Usage: smoke_test.py GROKKING_EXE WORK_DIR. Uses OpenBLAS when installed,
as run.sh does (the reference BLAS makes a step ~6x slower)."""
import csv
import os
import subprocess
import sys

COLUMNS = ["step", "seconds", "train_acc", "test_acc", "train_loss", "test_loss", "sc_fraction",
           "zero_loss_fraction", "weight_norm"]
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-serial"


def run(exe, args):
    env = dict(os.environ)
    if os.path.exists(os.path.join(OPENBLAS, "libblas.so.3")):
        env["LD_LIBRARY_PATH"] = OPENBLAS + ":" + env.get("LD_LIBRARY_PATH", "")
    return subprocess.run([exe] + args, env=env, capture_output=True, text=True, timeout=300)


def data_rows(path):
    """The CSV's rows without the seconds column."""
    with open(path) as f:
        rows = list(csv.reader(l for l in f.read().splitlines() if not l.startswith("#")))
    return [r[:1] + r[2:] for r in rows[1:]]


def check_resume(exe, work):
    whole, part = os.path.join(work, "whole.csv"), os.path.join(work, "part.csv")
    state = os.path.join(work, "part.pt")
    for path in (whole, part, state):  # a checkpoint left by an earlier run would be resumed
        if os.path.exists(path):
            os.remove(path)
    common = ["--run", "softmax-f32", "--log-every", "2", "--checkpoint-every", "3"]
    result = run(exe, common + ["--steps", "8", "--out", whole])
    assert result.returncode == 0, result.stderr
    result = run(exe, common + ["--steps", "5", "--out", part, "--checkpoint", state])
    assert result.returncode == 0, result.stderr
    check_csv(part, [0, 2, 4, 5])
    result = run(exe, common + ["--steps", "8", "--out", part, "--checkpoint", state])
    assert result.returncode == 0 and "resumed" in result.stderr, result.stderr
    check_csv(part, [0, 2, 4, 5, 6, 8])
    with open(part) as f:
        assert "# resumed at step 5: grokking " in f.read()
    # Step 5 is logged only because the first run ended there; the rest match bit for bit.
    assert [r for r in data_rows(part) if r[0] != "5"] == data_rows(whole), (data_rows(part), data_rows(whole))
    result = run(exe, common + ["--steps", "9", "--lr", "1e-3", "--out", part, "--checkpoint", state])
    assert result.returncode == 2 and "another run" in result.stderr, result


def check_csv(path, steps):
    with open(path) as f:
        lines = f.read().splitlines()
    comments = [l for l in lines if l.startswith("#")]
    assert any(l.startswith("# command: grokking ") for l in comments), comments
    assert any(l.startswith("# commit: ") for l in comments), comments
    rows = list(csv.reader(l for l in lines if not l.startswith("#")))
    assert rows[0] == COLUMNS, rows[0]
    assert [int(r[0]) for r in rows[1:]] == steps, [r[0] for r in rows[1:]]
    for r in rows[1:]:
        assert len(r) == len(COLUMNS), r
        values = dict(zip(COLUMNS, map(float, r)))
        for key in ("train_acc", "test_acc", "sc_fraction", "zero_loss_fraction"):
            assert 0.0 <= values[key] <= 1.0, (key, r)
        assert values["weight_norm"] > 0 and values["train_loss"] >= 0, r


def main():
    exe, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "softmax-f32.csv")
    result = run(exe, ["--run", "softmax-f32", "--steps", "20", "--log-every", "10", "--out", out])
    assert result.returncode == 0, result.stderr
    check_csv(out, [0, 10, 20])
    for name in ("softmax-f64", "softmax-bf16", "softmax-f16e", "stablemax-f32", "stablemax-f64",
                 "perpgrad-f32"):
        out = os.path.join(work, name + ".csv")
        result = run(exe, ["--run", name, "--steps", "2", "--out", out])
        assert result.returncode == 0, (name, result.stderr)
        check_csv(out, [0, 2])
    check_resume(exe, work)
    result = run(exe, ["--run", "no-such-run", "--steps", "1", "--out", os.path.join(work, "x.csv")])
    assert result.returncode == 2 and "unknown run" in result.stderr, result
    print("grokking smoke test: ok")


if __name__ == "__main__":
    main()
