#!/usr/bin/python3
"""summary.md of the spike study with baselines (baselines.sh) from DIR/final-<cell>.csv.

Usage: baselines_summary.py DIR [EARLIER_FINAL_CSV]. Per cell and model: the final test accuracy
of each method, median [interquartile range] over the seeds, in %; the largest gap between the
controller's and norm_cap's medians. With EARLIER_FINAL_CSV (the 1-step run of run.sh,
reports/controller/spike_clipping/final-digits.csv), how many of its (model, seed, method)
final accuracies the digits-len1 cell repeats exactly, and the largest gap between medians.
"""
import collections
import glob
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "controller"))
sys.path.insert(0, os.path.join(HERE, "..", "provenance"))
from plot_common import read_csv, table  # noqa: E402
from source_commit import source_commit  # noqa: E402

ARCHS = ["transformer", "mlp_ln", "cnn_bn"]
METHODS = ["plain", "clip", "controller", "norm_cap"]


def by_model_method(rows):
    """(arch, method) -> final test accuracies, in %."""
    groups = collections.defaultdict(list)
    for r in rows:
        groups[(r["arch"], r["method"])].append(100 * r["test_acc"])
    return groups


def median_iqr(values):
    if len(values) < 2:  # one seed (the --quick size): no spread
        return f"{statistics.median(values):.1f}"
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{statistics.median(values):.1f} [{low:.1f}, {high:.1f}]"


def compare(cell_rows, earlier_path):
    """Lines on how the cell repeats an earlier run of the same protocol."""
    earlier, _ = read_csv(earlier_path)
    final = {(r["arch"], r["seed"], r["method"]): r["test_acc"] for r in earlier}
    shared = [r for r in cell_rows if (r["arch"], r["seed"], r["method"]) in final]
    same = sum(r["test_acc"] == final[(r["arch"], r["seed"], r["method"])] for r in shared)
    old, new = by_model_method(earlier), by_model_method(shared)
    gap = max(abs(statistics.median(old[k]) - statistics.median(new[k])) for k in new)
    return [f"digits-len1 against {earlier_path}: {same} of {len(shared)} final accuracies "
            f"identical; medians within {gap:.2f} points.", ""]


def main():
    directory = sys.argv[1]
    paths = sorted(glob.glob(os.path.join(directory, "final-*.csv")))
    if not paths:
        raise SystemExit(f"baselines_summary.py: no final-<cell>.csv in {directory}")
    lines = [f"Written by `/usr/bin/python3 analyses/spike_clipping/baselines_summary.py "
             f"{' '.join(sys.argv[1:])}` (commit {source_commit()}) from:", ""]
    cells, gaps, unspiked = [], [], []
    for path in paths:
        rows, comments = read_csv(path)
        lines.append(f"- {os.path.basename(path)}: " + "; ".join(c[2:] for c in comments[:2]))
        cells.append((os.path.basename(path)[len("final-"):-len(".csv")], rows))
    lines.append("")
    body = []
    for cell, rows in cells:
        groups = by_model_method(rows)
        for arch in ARCHS:
            body.append([cell, arch, len(groups[(arch, "plain")])] +
                        [median_iqr(groups[(arch, m)]) for m in METHODS])
            if cell.endswith("-none"):  # no spike: does either method change plain Adam's run?
                by_seed = {(r["method"], r["seed"]): r["test_acc"] for r in rows if r["arch"] == arch}
                unspiked += [by_seed[(method, seed)] == accuracy
                             for (m, seed), accuracy in by_seed.items() if m == "plain"
                             for method in ("controller", "norm_cap")]
                continue
            gaps.append(abs(statistics.median(groups[(arch, "controller")]) -
                            statistics.median(groups[(arch, "norm_cap")])))
    lines += ["Final test accuracy, %: median [interquartile range] over the seeds.", "",
              table(["cell", "model", "seeds", "plain Adam", "clipping", "controller", "norm_cap"],
                    body), "",
              f"With a spike: norm_cap's median within {max(gaps):.2f} points of the controller's in "
              f"{len(gaps)} of {len(gaps)} (cell, model) pairs.", ""]
    if unspiked:
        lines += [f"Without a spike (the -none cells): the controller's and norm_cap's final accuracy "
                  f"equals plain Adam's, seed by seed, in {sum(unspiked)} of {len(unspiked)} runs.", ""]
    cell_rows = dict(cells).get("digits-len1")
    if len(sys.argv) > 2 and cell_rows:
        lines += compare(cell_rows, sys.argv[2])
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
