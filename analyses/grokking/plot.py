#!/usr/bin/python3
"""Plots and summarises the grokking runs (run.sh): one figure per claim of Prieto et al.
2025, and one of the paper-regime runs, into DIR/*.png, and DIR/summary.md, a table of the numbers quoted in README.md.
Usage: plot.py DIR (the folder holding <run>.csv). Every figure carries, as a footer and as
PNG metadata, the command and commit of each CSV it shows and the commit of this plot."""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "provenance"))
from source_commit import source_commit  # noqa: E402

STYLE = {"softmax-f32": "tab:blue", "softmax-f64": "tab:green", "softmax-bf16": "tab:purple",
         "stablemax-f32": "tab:orange", "perpgrad-f32": "tab:red",
         "stablemax-f32-train70": "tab:brown", "softmax-f32-train70": "tab:cyan",
         "paper-softmax-f32": "tab:blue", "paper-softmax-f64": "tab:green",
         "paper-softmax-f16e": "tab:purple", "paper-stablemax-f64": "tab:orange"}


def load(path):
    """Returns (comments dict, columns dict of float lists)."""
    comments, lines = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("# "):
                key, _, value = line[2:].partition(": ")
                comments[key] = value.strip()
            else:
                lines.append(line)
    rows = list(csv.DictReader(lines))
    return comments, {k: [float(r[k]) for r in rows] for k in rows[0]}


def save(fig, path, runs, data):
    made = "plot: analyses/grokking/plot.py (commit %s)" % source_commit()
    sources = ["%s: %s (commit %s)" % (r, data[r][0]["command"], data[r][0]["commit"]) for r in runs]
    fig.text(0.01, 0.005, "\n".join([made] + sources), fontsize=6, va="bottom", family="monospace")
    fig.subplots_adjust(bottom=0.12 + 0.03 * len(sources), top=0.9, wspace=0.3)
    fig.savefig(path, dpi=90, metadata={"Description": "\n".join([made] + sources)})
    plt.close(fig)


def accuracy_panel(ax, data, runs, title):
    for r in runs:
        c = data[r][1]
        ax.plot(c["step"], c["train_acc"], "--", color=STYLE[r], label=r + " train")
        ax.plot(c["step"], c["test_acc"], "-", color=STYLE[r], label=r + " test")
    ax.set(xlabel="step", ylabel="accuracy", ylim=(-0.02, 1.02), title=title)
    ax.legend(fontsize=7)


def collapse_panel(ax, data, runs, title):
    for r in runs:
        c = data[r][1]
        ax.plot(c["step"], c["sc_fraction"], "-", color=STYLE[r], label=r + " SC fraction")
        ax.plot(c["step"], c["zero_loss_fraction"], ":", color=STYLE[r], label=r + " loss == 0")
    ax.set(xlabel="step", ylabel="fraction of training samples", ylim=(-0.02, 1.02), title=title)
    ax.legend(fontsize=7)


def norm_panel(ax, data, runs, title):
    for r in runs:
        c = data[r][1]
        ax.plot(c["step"], c["weight_norm"], color=STYLE[r], label=r)
    ax.set(xlabel="step", ylabel="‖W‖₂ (all weights)", title=title)
    ax.legend(fontsize=7)


def figure(data, out, name, runs, panels, suptitle):
    runs = [r for r in runs if r in data]
    if not runs:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 5.2))
    for ax, (panel, title) in zip(axes, panels):
        panel(ax, data, runs, title)
    fig.suptitle(suptitle)
    save(fig, os.path.join(out, name), runs, data)


def first_step(c, key, value):
    for s, v in zip(c["step"], c[key]):
        if v >= value:
            return int(s)
    return None


def summary(data, out):
    head = ("| run | steps | train acc 100 % at step | final test acc | peak test acc (step) | "
            "SC fraction at end | loss == 0 at end | ‖W‖ at end |")
    lines = [head, "|" + "---|" * 8]
    for r, (_, c) in data.items():
        peak = max(range(len(c["step"])), key=lambda i: c["test_acc"][i])
        lines.append("| %s | %d | %s | %.4f | %.4f (%d) | %.4f | %.4f | %.1f |" % (
            r, c["step"][-1], first_step(c, "train_acc", 1.0), c["test_acc"][-1],
            c["test_acc"][peak], c["step"][peak], c["sc_fraction"][-1],
            c["zero_loss_fraction"][-1], c["weight_norm"][-1]))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("<!-- made by analyses/grokking/plot.py (commit %s) -->\n" % source_commit() + text)
    print(text)


def main():
    out = sys.argv[1]
    data = {}
    for r in STYLE:
        path = os.path.join(out, r + ".csv")
        if os.path.exists(path):
            data[r] = load(path)
    figure(data, out, "sc_halts_learning.png", ["softmax-f32"],
           [(accuracy_panel, "accuracy"), (collapse_panel, "softmax collapse (f32)"),
            (norm_panel, "weight norm")],
           "Claim 1: without regularisation, softmax collapse halts learning (softmax CE, f32)")
    figure(data, out, "precision_delays_sc.png", ["softmax-bf16", "softmax-f32", "softmax-f64"],
           [(accuracy_panel, "accuracy"), (collapse_panel, "SC in each run's loss precision")],
           "Claim 2: f64 delays softmax collapse (bf16 hastens it)")
    figure(data, out, "stablemax_groks.png",
           ["softmax-f32", "stablemax-f32", "softmax-f32-train70", "stablemax-f32-train70"],
           [(accuracy_panel, "accuracy"), (norm_panel, "weight norm")],
           "Claim 3: StableMax cross-entropy groks without regularisation")
    figure(data, out, "perpgrad_generalises.png", ["softmax-f32", "perpgrad-f32"],
           [(accuracy_panel, "accuracy"), (norm_panel, "weight norm")],
           "Claim 4: ⊥Grad generalises quickly")
    figure(data, out, "paper_regime.png",
           ["paper-softmax-f16e", "paper-softmax-f32", "paper-softmax-f64", "paper-stablemax-f64"],
           [(accuracy_panel, "accuracy"), (collapse_panel, "softmax collapse")],
           "The paper's regime (lr 5e-4, eps 1e-30, 40 % train): SC by precision; StableMax")
    summary(data, out)


if __name__ == "__main__":
    main()
