#!/usr/bin/python3
"""Figures and summary.md of the temperature fingerprint from DIR/temperature.csv.
Usage: plot.py DIR. For each (architecture, T, seed) curve the collapse onset τ* is the first
τ on the grid where the test accuracy is 5 points or more below the trained model's (and,
second criterion, where the test loss reaches twice its base). r_T = τ*/ρ_T with
ρ_T = πT/Δa. The spread of the onsets is given as the standard deviation of log10 and as the
coefficient of variation (std/mean), in τ and in r_T."""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "controller"))
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plot_common import read_csv, footer, table, written_by, png_metadata  # noqa: E402


def onsets(curve):
    """(τ* by accuracy drop ≥ 5 points, τ* by test loss ≥ 2x base); nan when never."""
    acc = next((r["tau"] for r in curve if r["test_acc"] <= r["base_test_acc"] - 0.05), np.nan)
    loss = next((r["tau"] for r in curve if not r["test_loss"] < 2 * r["base_test_loss"]), np.nan)
    return acc, loss


def spread(values):
    v = np.array([x for x in values if x == x and x > 0])
    if len(v) < 2:
        return np.nan, np.nan
    return np.std(np.log10(v)), np.std(v) / np.mean(v)


def main():
    directory = sys.argv[1]
    rows, comments = read_csv(os.path.join(directory, "temperature.csv"))
    curves = defaultdict(list)
    for r in rows:
        curves[(r["arch"], r["temperature"], r["seed"])].append(r)
    per_curve = []
    for key, curve in sorted(curves.items()):
        curve.sort(key=lambda r: r["tau"])
        rho = curve[0]["rho_t"]
        acc, loss = onsets(curve)
        per_curve.append((key, rho, acc, loss, curve[0]["base_test_acc"]))
    lines = ["# Temperature fingerprint: measured", "", written_by("analyses/temperature/plot.py"), "",
             "Per curve (architecture, T, seed): ρ_T = πT/Δa along the descent direction, the "
             "onsets τ* and r_T = τ*/ρ_T.", "",
             table(["arch", "T", "seed", "base test acc %", "ρ_T", "τ* (acc −5 pts)", "r_T",
                    "τ* (loss ×2)", "r_T (loss)"],
                   [[k[0], f"{k[1]:g}", int(k[2]), f"{100 * b:.1f}", f"{rho:.3g}", f"{a:.3g}",
                     f"{a / rho:.3g}", f"{l:.3g}", f"{l / rho:.3g}"]
                    for k, rho, a, l, b in per_curve]), ""]
    spread_rows = []
    for arch in sorted({k[0] for k, *_ in per_curve}) + ["all"]:
        sel = [p for p in per_curve if arch == "all" or p[0][0] == arch]
        for label, idx in (("accuracy −5 pts", 2), ("test loss ×2", 3)):
            taus = [p[idx] for p in sel]
            rts = [p[idx] / p[1] for p in sel]
            (st, ct), (sr, cr) = spread(taus), spread(rts)
            found = sum(1 for t in taus if t == t)
            spread_rows.append([arch, label, f"{found}/{len(sel)}", f"{st:.3f}", f"{sr:.3f}",
                                f"{ct:.3f}", f"{cr:.3f}", "0.992 → 0.164"])
    lines += ["## Spread of the onsets", "",
              table(["arch", "onset criterion", "curves with an onset", "std log10 τ*",
                     "std log10 r_T", "CV τ*", "CV r_T", "paper (std)"], spread_rows), ""]
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    archs = sorted({k[0] for k in curves})
    fig, axes = plt.subplots(2, len(archs), figsize=(4.2 * len(archs), 6.5), squeeze=False)
    temps = sorted({k[1] for k in curves})
    cmap = plt.get_cmap("viridis")
    for j, arch in enumerate(archs):
        for key, curve in curves.items():
            if key[0] != arch:
                continue
            c = cmap(temps.index(key[1]) / max(1, len(temps) - 1))
            label = f"T={key[1]:g}" if key[2] == 1 else None
            x = [r["tau"] for r in curve]
            axes[0][j].plot(x, [r["test_acc"] for r in curve], color=c, lw=0.8, label=label)
            axes[1][j].plot([t / curve[0]["rho_t"] for t in x], [r["test_acc"] for r in curve],
                            color=c, lw=0.8)
        axes[0][j].set_xscale("log")
        axes[1][j].set_xscale("log")
        axes[1][j].axvline(1, color="red", ls="--", lw=0.8)
        axes[0][j].set_title(arch)
        axes[0][j].set_xlabel("τ (raw step length)")
        axes[1][j].set_xlabel("r_T = τ/(πT/Δa)")
        axes[0][j].set_ylabel("test accuracy")
        axes[1][j].set_ylabel("test accuracy")
        axes[0][j].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    footer(fig, comments)
    fig.savefig(os.path.join(directory, "temperature.png"), dpi=110,
                metadata=png_metadata("analyses/temperature/plot.py"))
    plt.close(fig)


if __name__ == "__main__":
    main()
