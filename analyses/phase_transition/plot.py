#!/usr/bin/python3
"""Figures and summary.md of the phase-transition analysis from DIR/phase-*.csv.
Usage: plot.py DIR. Per data set and architecture: the accuracy kept and the loss inflation
after one step at r = τ/ρa, along the gradient and along random directions; the table gives
the largest accuracy drop for r < 1 and the first r where the drop reaches 5 points."""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "controller"))
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plot_common import read_csv, footer, table, existing, onset, written_by, png_metadata  # noqa: E402

ARCHS = ["linear", "mlp", "cnn", "mlp_ln", "cnn_bn", "transformer"]


def main():
    directory = sys.argv[1]
    lines = ["# Phase transition at r = 1: measured", "",
             written_by("analyses/phase_transition/plot.py"), ""]
    for path in existing(directory, ["phase-digits.csv", "phase-fashion.csv"]):
        rows, comments = read_csv(path)
        data = rows[0]["data"]
        curves = defaultdict(list)  # (arch, direction index) -> [(r, acc, base, loss ratio)]
        for row in rows:
            curves[(row["arch"], int(row["index"]))].append(
                (row["r"], row["test_acc"], row["base_test_acc"],
                 row["test_loss"] / row["base_test_loss"]))
        archs = [a for a in ARCHS if (a, 0) in curves]
        table_rows = []
        fig, axes = plt.subplots(2, len(archs), figsize=(3 * len(archs), 5.6), squeeze=False)
        for j, arch in enumerate(archs):
            grad = sorted(curves[(arch, 0)])
            randoms = [sorted(curves[k]) for k in curves if k[0] == arch and k[1] > 0]
            base = grad[0][2]
            below = [(r, acc) for r, acc, _, _ in grad if r < 0.999]
            drop_grad = max(base - acc for _, acc in below)
            drop_rand = max((base - acc for c in randoms for r, acc, _, _ in c if r < 0.999),
                            default=float("nan"))
            at1 = [c for c in grad if abs(c[0] - 1) < 1e-6]
            infl1 = at1[0][3] if at1 else float("nan")
            onsets_rand = [onset([(r, a, b) for r, a, b, _ in c]) for c in randoms]
            drops = [max(b - a for r, a, b, _ in c if r < 0.999) for c in randoms]
            count5 = sum(1 for d in drops if d >= 0.05)
            count1 = sum(1 for d in drops if d >= 0.01)
            table_rows.append([
                arch, f"{100 * base:.1f}", f"{100 * drop_grad:+.2f}".replace("+", ""),
                f"{100 * drop_rand:.2f}" if randoms else "-",
                f"{onset([(r, a, b) for r, a, b, _ in grad]):.3g}",
                f"{np.nanmedian(onsets_rand):.3g}" if randoms else "-",
                f"{count5} / {count1} of {len(randoms)}",
                f"{infl1:.3g}", "none for r < 1"])
            rs = [c[0] for c in grad]
            ax = axes[0][j]
            ax.plot(rs, [c[1] / c[2] for c in grad], "k-", label="gradient")
            for c in randoms:
                ax.plot([x[0] for x in c], [x[1] / x[2] for x in c], "-", color="tab:blue",
                        alpha=0.25, lw=0.7)
            ax.axvline(1, color="red", lw=0.8, ls="--")
            ax.set_xscale("log")
            ax.set_title(f"{data}: {arch}", fontsize=9)
            ax.set_ylim(0, 1.1)
            axes[1][j].plot(rs, [c[3] for c in grad], "k-")
            for c in randoms:
                axes[1][j].plot([x[0] for x in c], [x[3] for x in c], "-", color="tab:blue",
                                alpha=0.25, lw=0.7)
            axes[1][j].axvline(1, color="red", lw=0.8, ls="--")
            axes[1][j].set_xscale("log")
            axes[1][j].set_yscale("log")
            axes[1][j].set_xlabel("r = τ/ρa")
        axes[0][0].set_ylabel("test accuracy kept")
        axes[1][0].set_ylabel("test loss / base")
        axes[0][0].legend(fontsize=7)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        footer(fig, comments)
        fig.savefig(os.path.join(directory, f"phase-{data}.png"), dpi=110,
                    metadata=png_metadata("analyses/phase_transition/plot.py"))
        plt.close(fig)
        lines += [f"## {data}", "",
                  table(["arch", "base test acc %", "max drop r<1, gradient (pts)",
                         "max drop r<1, random (pts)", "onset r (gradient, drop ≥ 5 pts)",
                         "median onset r (random)",
                         "random dirs losing ≥ 5 / ≥ 1 pts at some r < 1",
                         "test loss ratio at r=1", "paper"],
                        table_rows), ""]
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
