"""Figures and the tightness table of the H-consistency analysis (analyses/hconsistency/run.sh).

Reads reports/hconsistency/tau*-n*.json (softcheck hconsistency --json) and writes
  bounds.png    a grid (rows tau, columns n): the sampled (dC01, dC_tau) cloud, the curve
                T_tau and the searched worst cases;
  summary.csv / summary.md   per (tau, n): samples, violations, min slack, min ratio over the
                samples, and the searched worst cases' largest gap to the curve and ratio range.
Each names this script's command and commit and the runs' softcheck version (the tables in
their first line, the figure in its PNG metadata).
Usage: /usr/bin/python3 analyses/hconsistency/plot.py reports/hconsistency
"""
import csv
import glob
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "provenance"))
from source_commit import source_commit  # noqa: E402

TAUS = [0.0, 0.5, 1.0, 1.5, 2.0]
CLASSES = [2, 3, 10]


def binary_curve(t, tau):
    """B_tau(t) of src/hconsistency/bound.hpp (n = 2)."""
    if t <= 0:
        return 0.0
    if tau == 2:
        return t / 2
    if tau == 1:
        return (1 + t) / 2 * math.log1p(t) + ((1 - t) / 2 * math.log1p(-t) if t < 1 else 0.0)
    q = 1 / (2 - tau)
    a, b = q * math.log1p(t), (q * math.log1p(-t) if t < 1 else -math.inf)
    log_mean = a + math.log1p(math.exp(b - a)) - math.log(2)
    return -(2 ** (1 - tau)) / (1 - tau) * math.expm1((2 - tau) * log_mean)


def curve(t, tau, n):
    return binary_curve(t, tau) * ((2 / n) ** (tau - 1) if tau > 1 else 1.0)


def load(directory):
    runs = {}
    for path in glob.glob(os.path.join(directory, "tau*-n*.json")):
        with open(path) as f:
            doc = json.load(f)
        runs[(float(doc["tau"]), int(doc["classes"]))] = doc
    return runs


def summary_rows(runs):
    rows = []
    for tau in TAUS:
        for n in CLASSES:
            doc = runs.get((tau, n))
            if doc is None:
                continue
            search = doc["search"] or []
            rows.append({
                "tau": tau, "n": n, "samples": doc["samples"], "violations": doc["violations"],
                "min_slack": doc["min_slack"]["slack"],
                "min_ratio_samples": doc["min_ratio"]["ratio"] if doc["min_ratio"] else "",
                "search_max_gap": max(w["slack"] for w in search) if search else "",
                "search_min_gap": min(w["slack"] for w in search) if search else "",
                "search_min_ratio": min(w["ratio"] for w in search) if search else "",
                "search_max_ratio": max(w["ratio"] for w in search) if search else "",
                "seconds": doc["seconds"],
            })
    return rows


def provenance(runs, directory):
    """What made the tables and the figure: this script, and the softcheck of the runs read."""
    versions = ", ".join(sorted({doc["version"] for doc in runs.values()}))
    return ("Written by `/usr/bin/python3 analyses/hconsistency/plot.py %s` (commit %s) from the "
            "tau*-n*.json files of `analyses/hconsistency/run.sh` (softcheck %s)"
            % (directory, source_commit(), versions))


def write_tables(rows, directory, made):
    with open(os.path.join(directory, "summary.csv"), "w", newline="") as f:
        f.write("# " + made + "\n")
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write(made + ".\n\n")
        f.write("| tau | n | samples | violations | min slack (samples) | min ratio (samples) |"
                " searched worst: gap to T, max | min gap | ratio dC/T, min | max | s |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['tau']:g} | {r['n']} | {r['samples']} | {r['violations']} |"
                    f" {r['min_slack']:.2e} | {r['min_ratio_samples']:.6f} |"
                    f" {r['search_max_gap']:.2e} | {r['search_min_gap']:.2e} |"
                    f" {r['search_min_ratio']:.8f} | {r['search_max_ratio']:.8f} | {r['seconds']:.1f} |\n")


def plot(runs, directory, made):
    fig, axes = plt.subplots(len(TAUS), len(CLASSES), figsize=(10, 14), squeeze=False)
    ts = [i / 400 for i in range(401)]
    for row, tau in enumerate(TAUS):
        for col, n in enumerate(CLASSES):
            ax = axes[row][col]
            doc = runs.get((tau, n))
            if doc is None:
                ax.set_visible(False)
                continue
            cloud = [(x, y) for x, y in doc["cloud"] if x > 0]
            ax.scatter([x for x, _ in cloud], [y for _, y in cloud], s=1, alpha=0.25,
                       color="tab:blue", rasterized=True, label="samples")
            ax.plot(ts, [curve(t, tau, n) for t in ts], color="black", lw=1.2, label="T_tau")
            for w in doc["search"] or []:
                ax.plot(w["zero_one_regret"], w["surrogate_regret"], "o", ms=3.5, mfc="none",
                        color="tab:red")
            top = max(curve(1, tau, n) * 3, 0.05)
            ax.set_ylim(0, top)
            ax.set_xlim(0, 1)
            ax.set_title(f"tau={tau:g}, n={n}: {doc['violations']} violations / {doc['samples']}",
                         fontsize=8)
            ax.tick_params(labelsize=7)
            if row == len(TAUS) - 1:
                ax.set_xlabel("ΔC_0-1", fontsize=8)
            if col == 0:
                ax.set_ylabel("ΔC_tau", fontsize=8)
    axes[0][0].plot([], [], "o", mfc="none", color="tab:red", label="searched worst")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    plot_line = "plot: analyses/hconsistency/plot.py %s (commit %s)" % (directory, source_commit())
    fig.savefig(os.path.join(directory, "bounds.png"), dpi=60,
                metadata={"Description": "\n".join([plot_line, made])})


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "reports/hconsistency"
    runs = load(directory)
    if not runs:
        raise SystemExit(f"plot.py: no tau*-n*.json in {directory}")
    rows = summary_rows(runs)
    made = provenance(runs, directory)
    write_tables(rows, directory, made)
    plot(runs, directory, made)
    print(open(os.path.join(directory, "summary.md")).read())


if __name__ == "__main__":
    main()
