#!/usr/bin/python3
"""Figures and summary.md of a learning-rate-spike analysis (analyses/lr_spike and
analyses/spike_clipping) from DIR/*final*.csv and DIR/*steps*.csv.
Usage: plot.py DIR [TITLE]. Table: per data set, architecture, base lr and method, the
median / min / max final test accuracy over seeds, the median accuracy just before the spike,
and the median r = τ/ρa proposed at the spike step; figures: loss, test accuracy, and τ
against ρa through training."""
import glob
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "controller"))
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plot_common import read_csv, footer, table, pct, written_by, png_metadata  # noqa: E402

COLORS = {"plain": "tab:red", "clip": "tab:orange", "controller": "tab:green", "rho_set": "tab:blue",
          "norm_cap": "tab:purple"}


def summarise(final_rows, step_rows):
    spike_r = defaultdict(list)
    for s in step_rows:
        if s["lr"] != s["base_lr"]:
            spike_r[(s["data"], s["arch"], s["base_lr"], s["method"])].append(s["r"])
    groups = defaultdict(list)
    for r in final_rows:
        groups[(r["data"], r["arch"], r["base_lr"], r["method"])].append(r)
    out = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], list(COLORS).index(k[3]))):
        rs = groups[key]
        acc = np.array([r["test_acc"] for r in rs])
        pre = np.array([r["pre_spike_test_acc"] for r in rs])
        out.append([key[0], key[1], f"{key[2]:g}", key[3], len(rs), pct(np.median(acc)),
                    pct(acc.min()), pct(acc.max()), pct(np.nanmedian(pre)),
                    f"{np.nanmedian(spike_r[key]):.3g}" if spike_r[key] else "-",
                    f"{np.median([r['control_seconds'] / r['steps'] * 1e3 for r in rs]):.2f}"])
    return out


def figure(step_rows, comments, path):
    runs = defaultdict(list)
    for s in step_rows:
        runs[(s["arch"], s["base_lr"], s["method"], s["seed"])].append(s)
    panels = sorted({(k[0], k[1]) for k in runs})
    fig, axes = plt.subplots(3, len(panels), figsize=(3.4 * len(panels), 8), squeeze=False)
    for j, (arch, lr) in enumerate(panels):
        for (a, l, method, seed), steps in runs.items():
            if (a, l) != (arch, lr):
                continue
            c = COLORS.get(method, "k")
            x = [s["step"] for s in steps]
            axes[0][j].plot(x, [s["loss"] for s in steps], color=c, lw=0.7, alpha=0.6,
                            label=method if seed == 1 else None)
            ev = [(s["step"], s["test_acc"]) for s in steps if s["test_acc"] == s["test_acc"]]
            axes[1][j].plot([e[0] for e in ev], [e[1] for e in ev], color=c, lw=0.7, alpha=0.6)
            axes[2][j].plot(x, [s["tau"] for s in steps], color=c, lw=0.7, alpha=0.6)
            if method == "plain":
                axes[2][j].plot(x, [s["rho_a"] for s in steps], color="k", lw=0.5, ls=":",
                                alpha=0.6, label="ρa (plain)" if seed == 1 else None)
        axes[0][j].set_title(f"{arch}, lr {lr:g}", fontsize=9)
        axes[0][j].set_yscale("log")
        axes[1][j].set_ylim(0, 1)
        axes[2][j].set_yscale("log")
        axes[2][j].set_xlabel("step")
    axes[0][0].set_ylabel("mini-batch loss")
    axes[1][0].set_ylabel("test accuracy")
    axes[2][0].set_ylabel("τ = ‖p‖ (ρa dotted)")
    axes[0][0].legend(fontsize=7)
    axes[2][0].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    footer(fig, comments)
    fig.savefig(path, dpi=110, metadata=png_metadata("analyses/lr_spike/plot.py"))
    plt.close(fig)


def main():
    directory = sys.argv[1]
    title = sys.argv[2] if len(sys.argv) > 2 else "Learning-rate spike: measured"
    lines = [f"# {title}", "", written_by("analyses/lr_spike/plot.py"), ""]
    header = ["data", "arch", "base lr", "method", "seeds", "median final test acc %", "min %",
              "max %", "median pre-spike acc %", "median r at spike", "ms/step in SafeStep (control or measure)"]
    for final_path in sorted(glob.glob(os.path.join(directory, "*final*.csv"))):
        step_path = final_path.replace("final", "steps")
        final_rows, comments = read_csv(final_path)
        step_rows, _ = read_csv(step_path)
        lines += [f"## {os.path.basename(final_path)}", "", table(header, summarise(final_rows, step_rows)), ""]
        figure(step_rows, comments, final_path.replace(".csv", ".png").replace("final", "curves"))
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
