#!/usr/bin/python3
"""summary.md of the fine-grid phase transition (grid.sh) from DIR/phase-<data>-seed<S>.csv.

Usage: grid_summary.py DIR. Definitions as README.md here: a step collapses a model when its
test accuracy is at least 5 points below the trained model's; the onset of a direction is the
first r on the grid where a step collapses it. Per data set and architecture:
  - the gradient's onset from each training seed;
  - the median onset over every (seed, random direction), with a 95 % bootstrap interval
    (2000 resamples of the directions within each seed, numpy seed 1) and the range of the
    per-seed medians;
and, testing "a step with r < 1 never collapses a trained model" as stated, every step with
r < 1 that collapses its model, and separately every step with r < 1 whose test loss is at
least twice the trained model's.
"""
import glob
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "controller"))
sys.path.insert(0, os.path.join(HERE, "..", "provenance"))
import numpy as np  # noqa: E402
from plot_common import onset, read_csv, table  # noqa: E402
from source_commit import source_commit  # noqa: E402

ARCHS = ["linear", "mlp", "cnn", "mlp_ln", "cnn_bn", "transformer"]
COLLAPSE_DROP = 0.05   # test accuracy points (as a fraction)
LOSS_RATIO = 2.0
BOOTSTRAP = 2000
BELOW_ONE = 1 - 1e-9   # r < 1 on the grid (r = 1 itself is a grid point)
NONE = float("inf")    # the onset of a direction no grid point collapses


def first_collapse(points):
    """The onset of a direction's [(r, acc, base, loss ratio)] points."""
    return onset([p[:3] for p in sorted(points)], COLLAPSE_DROP, NONE)


def fmt(r):
    return "none" if r == NONE else f"{r:.3g}"


def median_interval(onsets_by_seed, rng):
    """Median over all onsets; 95 % bootstrap interval resampling directions within seeds."""
    pooled = np.concatenate([np.asarray(v) for v in onsets_by_seed.values()])
    medians = []
    for _ in range(BOOTSTRAP):
        sample = [rng.choice(np.asarray(v), size=len(v), replace=True)
                  for v in onsets_by_seed.values()]
        medians.append(np.median(np.concatenate(sample)))
    # "nearest": no interpolation, which would turn two "none" (inf) onsets into nan.
    low, high = np.percentile(medians, [2.5, 97.5], method="nearest")
    per_seed = [np.median(np.asarray(v)) for v in onsets_by_seed.values()]
    return np.median(pooled), low, high, min(per_seed), max(per_seed)


def main():
    directory = sys.argv[1]
    paths = sorted(glob.glob(os.path.join(directory, "phase-*-seed*.csv")))
    if not paths:
        raise SystemExit(f"grid_summary.py: no phase-<data>-seed<S>.csv in {directory}")
    rng = np.random.default_rng(1)
    sources, by_data = [], defaultdict(list)
    for path in paths:
        rows, comments = read_csv(path)
        sources += [f"- {os.path.basename(path)}: " + "; ".join(c[2:] for c in comments[:2])]
        data = re.match(r"phase-(\w+)-seed\d+\.csv", os.path.basename(path)).group(1)
        by_data[data] += rows
    lines = [f"Written by `/usr/bin/python3 analyses/phase_transition/grid_summary.py {directory}` "
             f"(commit {source_commit()}) from:", ""] + sources + [""]
    for data, rows in by_data.items():
        curves = defaultdict(list)  # (arch, seed, direction index) -> [(r, acc, base, loss ratio)]
        for row in rows:
            curves[(row["arch"], int(row["seed"]), int(row["index"]))].append(
                (row["r"], row["test_acc"], row["base_test_acc"],
                 row["test_loss"] / row["base_test_loss"]))
        summary, collapses, losses = [], [], []
        for arch in [a for a in ARCHS if any(k[0] == a for k in curves)]:
            keys = sorted(k for k in curves if k[0] == arch)
            seeds = sorted({k[1] for k in keys})
            grad = [fmt(first_collapse(curves[(arch, s, 0)])) for s in seeds]
            random = defaultdict(list)
            for k in keys:
                if k[2] > 0:
                    random[k[1]].append(first_collapse(curves[k]))
            if random:
                med, low, high, seed_low, seed_high = median_interval(random, rng)
                random_cell = f"{fmt(med)} [{fmt(low)}, {fmt(high)}]"
                seed_cell = f"{fmt(seed_low)}–{fmt(seed_high)}"
            else:
                random_cell = seed_cell = "-"
            points = len(curves[keys[0]])
            summary.append([arch, len(seeds), points, sum(len(v) for v in random.values()),
                            ", ".join(grad), random_cell, seed_cell])
            for k in keys:
                for r, acc, base, ratio in sorted(curves[k]):
                    if r >= BELOW_ONE:
                        continue
                    direction = "gradient" if k[2] == 0 else f"random {k[2]}"
                    where = f"{arch}, seed {k[1]}, {direction}"
                    if acc <= base - COLLAPSE_DROP:
                        collapses.append([where, f"{r:.3g}", f"{100 * (base - acc):.2f}"])
                    if ratio >= LOSS_RATIO:
                        losses.append([where, f"{r:.3g}", f"{ratio:.3g}"])
        lines += [f"## {data}", "",
                  table(["arch", "seeds", "grid points", "random directions",
                         "gradient onset r, per seed", "median random onset r [95 % bootstrap]",
                         "per-seed medians"], summary), "",
                  f"Steps with r < 1 that collapse their model (drop ≥ {100 * COLLAPSE_DROP:g} "
                  f"points): {len(collapses)}.", ""]
        if collapses:
            lines += [table(["model, direction", "r", "drop (points)"], collapses), ""]
        lines += [f"Steps with r < 1 whose test loss is ≥ {LOSS_RATIO:g}× the trained model's: "
                  f"{len(losses)}.", ""]
        if losses:
            lines += [table(["model, direction", "r", "loss ratio"], losses), ""]
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
