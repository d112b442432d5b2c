#!/usr/bin/python3
"""Smoke test of the controller analyses (ctest analyses_controller_smoke): runs
analyses/controller/run_all.sh --quick (every analysis at smoke size, plots included) with the
given controller_study and output directory, then checks the CSVs (provenance lines, columns,
values in range), that every summary.md and figure was written, and that no sampled step had a
fast ρa above the certified exact radius. Usage: smoke_test.py CONTROLLER_STUDY WORK_DIR."""
import csv
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {
    "phase_transition-quick": ["phase-digits.csv", "phase-digits.png", "summary.md"],
    "lr_spike-quick": ["spike_final.csv", "spike_steps.csv", "spike_curves.png", "summary.md"],
    "spike_clipping-quick": ["final-digits.csv", "steps-digits.csv", "summary.md"],
    "temperature-quick": ["temperature.csv", "temperature.png", "summary.md"],
    "controller-quick": ["kernels_final.csv", "kernels_checks.csv", "kernels.png",
                         "overhead-batch.csv", "summary.md"],
}


def rows(path):
    with open(path) as f:
        lines = f.read().splitlines()
    comments = [l for l in lines if l.startswith("#")]
    assert any(l.startswith("# command: controller_study ") for l in comments), (path, comments)
    assert any(l.startswith("# commit: ") for l in comments), (path, comments)
    return list(csv.DictReader(l for l in lines if not l.startswith("#")))


def main():
    exe, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, CONTROLLER_STUDY=exe, OUT=work)
    start = time.time()
    result = subprocess.run([os.path.join(HERE, "run_all.sh"), "--quick"], env=env,
                            capture_output=True, text=True, timeout=900)
    logs = ""
    for name in sorted(os.listdir(work)):
        if name.endswith(".run.log"):
            with open(os.path.join(work, name)) as f:
                logs += f"--- {name}\n" + f.read()[-3000:]
    assert result.returncode == 0, result.stderr + logs
    for folder, files in EXPECTED.items():
        for name in files:
            assert os.path.exists(os.path.join(work, folder, name)), (folder, name, logs)
    phase = rows(os.path.join(work, "phase_transition-quick", "phase-digits.csv"))
    assert {r["arch"] for r in phase} == {"linear", "mlp", "cnn", "mlp_ln", "cnn_bn", "transformer"}
    for r in phase:
        assert 0 <= float(r["test_acc"]) <= 1 and float(r["rho_a"]) > 0, r
    final = rows(os.path.join(work, "lr_spike-quick", "spike_final.csv"))
    assert {r["method"] for r in final} == {"plain", "clip", "controller", "norm_cap"}, final
    steps = rows(os.path.join(work, "lr_spike-quick", "spike_steps.csv"))
    # norm_cap's cap is the median ρa of the controller's run (the CSVs hold 6 digits).
    median = statistics.median(float(r["rho_a"]) for r in steps if r["method"] == "controller")
    cap = float(next(r["cap"] for r in final if r["method"] == "norm_cap"))
    assert abs(cap - median) <= 1e-5 * median, (cap, median)
    for r in steps:
        if r["method"] == "controller":  # the controller never applies more than ρa
            assert float(r["applied"]) <= float(r["rho_a"]) * (1 + 1e-9) or float(r["scale"]) == 1, r
        if r["method"] == "norm_cap":  # nor norm_cap more than its cap
            assert float(r["applied"]) <= cap * (1 + 1e-9) or float(r["scale"]) == 1, r
        # The spike lasts --spike-length 3 steps from step 5.
        assert (float(r["lr"]) > 1e-3 * 2) == (5 <= int(r["step"]) < 8), r
    # The spike study with baselines (its own script, not in run_all.sh), and its summary.
    result = subprocess.run([os.path.join(HERE, "..", "spike_clipping", "baselines.sh"), "--quick"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(os.path.join(work, "spike_baselines-quick", "summary.md")) as f:
        text = f.read()
    assert "| digits-rest | cnn_bn | 1 |" in text and "norm_cap's median within" in text, text
    # The fine grid's summary (analyses/phase_transition/grid_summary.py) over the quick scan,
    # named as grid.sh names a cell.
    grid = os.path.join(work, "phase_grid")
    os.makedirs(grid, exist_ok=True)
    shutil.copy(os.path.join(work, "phase_transition-quick", "phase-digits.csv"),
                os.path.join(grid, "phase-digits-seed1.csv"))
    summary = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "phase_transition",
                                                              "grid_summary.py"), grid],
                             capture_output=True, text=True, timeout=300)
    assert summary.returncode == 0, summary.stderr
    with open(os.path.join(grid, "summary.md")) as f:
        text = f.read()
    assert "| transformer | 1 |" in text and "Steps with r < 1 that collapse" in text, text
    checks = rows(os.path.join(work, "controller-quick", "kernels_checks.csv"))
    assert checks and all(r["ok"] == "1" for r in checks), checks
    kernels = rows(os.path.join(work, "controller-quick", "kernels_final.csv"))
    assert {r["loss_kernel"] for r in kernels} == {"torch", "softcheck"}
    print(f"controller smoke test: ok ({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
