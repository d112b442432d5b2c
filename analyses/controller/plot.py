#!/usr/bin/python3
"""Figures and summary.md of the controller's own checks from DIR: kernels_*.csv (libtorch's
vs softcheck's cross-entropy in the same controlled runs; fast ρa vs the certified exact
radius) and overhead-*.csv (time per training step without and with the controller).
Usage: plot.py DIR."""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plot_common import read_csv, footer, table, existing, written_by, png_metadata  # noqa: E402

ARCHS = ["linear", "mlp", "cnn", "mlp_ln", "cnn_bn", "transformer"]


def order(archs):
    return [a for a in ARCHS if a in archs]


def kernel_tables(directory, prefix, lines):
    steps, comments = read_csv(os.path.join(directory, f"{prefix}_steps.csv"))
    finals, _ = read_csv(os.path.join(directory, f"{prefix}_final.csv"))
    checks, _ = read_csv(os.path.join(directory, f"{prefix}_checks.csv"))
    loss = defaultdict(dict)
    for s in steps:
        loss[(s["arch"], s["seed"])].setdefault(s["loss_kernel"], []).append(s["loss"])
    acc = defaultdict(lambda: defaultdict(list))
    for f in finals:
        acc[f["arch"]][f["loss_kernel"]].append(f["test_acc"])
    rows = []
    for arch in order({k[0] for k in loss}):
        diffs, first_rel = [], []
        for (a, seed), by in loss.items():
            if a != arch or "torch" not in by or "softcheck" not in by:
                continue
            t, s = np.array(by["torch"]), np.array(by["softcheck"])
            d = np.abs(t - s) / np.maximum(np.abs(t), 1e-30)
            diffs.append(d[0])
            above = np.nonzero(d > 1e-3)[0]
            first_rel.append(int(above[0]) if len(above) else len(d))
        ta, sa = np.array(acc[arch]["torch"]), np.array(acc[arch]["softcheck"])
        steps_run = len(next(iter(loss.values()))["torch"])
        first = min(first_rel)
        rows.append([arch, len(ta), f"{np.max(diffs):.2g}",
                     first if first < steps_run else f"none in {steps_run}",
                     f"{100 * ta.mean():.1f} ± {100 * ta.std():.1f}",
                     f"{100 * sa.mean():.1f} ± {100 * sa.std():.1f}",
                     f"{100 * np.max(np.abs(ta - sa)):.1f}"])
    lines += [f"### Cross-entropy kernels ({prefix})", "",
              table(["arch", "seeds", "rel. loss diff at step 0", "first step with rel. diff > 1e-3 (min over seeds)",
                     "final test acc %, libtorch CE", "final test acc %, softcheck CE",
                     "max |Δ final acc| same seed (pts)"], rows), ""]
    crows = []
    for arch in order({c["arch"] for c in checks}):
        sel = [c for c in checks if c["arch"] == arch]
        ratio = [c["exact_lo_min"] / c["rho_a_fast"] for c in sel
                 if c["rho_a_fast"] == c["rho_a_fast"] and c["rho_a_fast"] > 0 and c["exact_lo_min"] < 1e300]
        crows.append([arch, len(sel), int(sum(c["rows"] for c in sel)),
                      int(sum(c["certified"] for c in sel)), int(sum(1 for c in sel if c["ok"] != 1)),
                      f"{min(ratio):.4g}" if ratio else "-", f"{np.median(ratio):.4g}" if ratio else "-"])
    lines += [f"### Fast ρa against the certified exact radius ({prefix})", "",
              table(["arch", "sampled steps", "rows certified", "rows with a certified interval",
                     "violations (fast ρa > exact lo)", "min exact ρ*/fast ρa", "median"], crows), ""]
    archs = order({k[0] for k in loss})
    fig, axes = plt.subplots(1, len(archs), figsize=(3 * len(archs), 3), squeeze=False)
    for j, arch in enumerate(archs):
        for (a, seed), by in loss.items():
            if a != arch:
                continue
            for kernel, style in (("torch", "-"), ("softcheck", "--")):
                if kernel in by:
                    axes[0][j].plot(by[kernel], style, lw=0.8,
                                    label=f"{kernel} s{int(seed)}" if j == 0 else None)
        axes[0][j].set_yscale("log")
        axes[0][j].set_title(arch, fontsize=9)
        axes[0][j].set_xlabel("step")
    axes[0][0].set_ylabel("mini-batch loss")
    axes[0][0].legend(fontsize=5)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    footer(fig, comments)
    fig.savefig(os.path.join(directory, f"{prefix}.png"), dpi=110,
                metadata=png_metadata("analyses/controller/plot.py"))
    plt.close(fig)


def overhead_table(path, lines):
    rows, _ = read_csv(path)
    ms = defaultdict(list)
    for r in rows:
        ms[(r["data"], r["arch"], r["sample"], r["method"])].append(r["ms_per_step"])
    out = []
    for key in sorted({k[:3] for k in ms}, key=lambda k: (k[0], k[2], ARCHS.index(k[1]))):
        plain = np.median(ms[key + ("plain",)])
        ctl = np.median(ms[key + ("controller",)])
        out.append([key[0], key[1], key[2], f"{plain:.2f}", f"{ctl:.2f}", f"{ctl / plain:.2f}x"])
    lines += [f"### Overhead ({os.path.basename(path)}; median of repeats)", "",
              table(["data", "arch", "controller sample set", "ms/step without", "ms/step with",
                     "ratio"], out), ""]


def main():
    directory = sys.argv[1]
    lines = ["# Safe-step controller: kernels, exact-radius cross-check, overhead (measured)", "",
             written_by("analyses/controller/plot.py"), ""]
    for prefix in ("kernels", "kernels_full"):
        if os.path.exists(os.path.join(directory, f"{prefix}_final.csv")):
            kernel_tables(directory, prefix, lines)
    for path in existing(directory, ["overhead-batch.csv", "overhead-full.csv", "overhead-fashion.csv"]):
        overhead_table(path, lines)
    with open(os.path.join(directory, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
