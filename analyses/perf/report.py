"""Turns softmax_throughput's output (reports/perf.tsv: one block per setup, each starting
with its header lines) into reports/perf.md and a plot.

perf.md: first a summary (per setup and row length, softcheck's best SIMD kernel over the best
peer library, from the medians), then per setup the GB/s table (2 x element bytes per
element; the median over softmax_throughput's interleaved rounds), the ratios from the
medians and from the best rounds, and two-pass over three-pass-reload. For the first block
(softmax f32, one thread) also, at its largest n, the fraction of each algorithm's
memcpy-based bound and the spread over the rounds. The bound: memcpy moves 8 bytes/element
(read n, write n) at B GB/s; an algorithm that reads r*n and writes w*n floats needs
(r + w) * 4 bytes/element at the same bandwidth, so its best possible GB/s in the table's
8-bytes/element unit is B * 2 / (r + w). two-pass: r 2, w 1; three-pass-recompute: 3, 1;
three-pass-reload: 3, 2 (it writes the exps, then reads them back and writes the outputs);
online: 2, 1. The plot shows the first block.
Usage: /usr/bin/python3 report.py perf.tsv perf.md perf.png
"""
import math
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TRAFFIC = {"two-pass": (2, 1), "three-pass-recompute": (3, 1), "three-pass-reload": (3, 2),
           "online": (2, 1)}
PEERS = ("XNNPACK", "oneDNN", "libtorch")
TARGET_RATIO = 1.2  # softcheck's best over the best peer that counts as a win


def algorithm_of(name):
    for algorithm in TRAFFIC:
        if name.startswith("softcheck simd-" + algorithm + "-"):
            return algorithm
    return None


class Block:
    """One setup's measurements: medians, best and worst rounds per (n, contender)."""

    def __init__(self, title):
        self.title = title  # "softmax f32, 1 thread, SIMD target avx3; ..."
        self.header = []
        self.medians, self.bests, self.worsts = OrderedDict(), {}, {}

    @property
    def setup(self):
        return self.title.split("; ")[0].split(", SIMD target")[0]

    def add(self, line):
        n, name, median, best, worst, _ = line.rstrip("\n").split("\t")
        self.medians.setdefault(int(n), OrderedDict())[name] = float(median)
        self.bests.setdefault(int(n), {})[name] = float(best)
        self.worsts.setdefault(int(n), {})[name] = float(worst)

    def ratio(self, n, source=None):
        """softcheck's best SIMD kernel over the best peer at n, or None without a peer."""
        values = source[n] if source else self.medians[n]
        simd = [v for k, v in values.items() if algorithm_of(k)]
        peers = [v for k, v in values.items() if k in PEERS]
        if not simd or not peers:
            return None
        return max(simd) / max(peers)


def read_blocks(source):
    provenance, blocks = {}, []
    for line in open(source, encoding="utf-8"):
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(": ")
            if key in ("command", "commit", "cpu"):  # run.sh's provenance lines
                provenance[key] = value
            elif "thread" in line and "SIMD target" in line:
                blocks.append(Block(line[1:].strip()))
                blocks[-1].header.append(line[1:].strip())
            elif blocks:
                blocks[-1].header.append(line[1:].strip())
            continue
        blocks[-1].add(line)
    return provenance, blocks


def summary(blocks):
    lengths = sorted({n for b in blocks for n in b.medians})
    out = ["## Summary: softcheck's best over the best peer (medians)", "",
           f"A cell is softcheck's fastest SIMD kernel over the fastest of XNNPACK, oneDNN and "
           f"libtorch at that row length; **bold** below {TARGET_RATIO}; - where no peer has the "
           "op and format.", "",
           "| n | " + " | ".join(b.setup for b in blocks) + " |",
           "|---|" + "---|" * len(blocks)]
    wins = total = 0
    for n in lengths:
        cells = []
        for b in blocks:
            r = b.ratio(n) if n in b.medians else None
            if r is None:
                cells.append("-")
                continue
            total += 1
            wins += r >= TARGET_RATIO
            cells.append(f"{r:.2f}" if r >= TARGET_RATIO else f"**{r:.2f}**")
        out.append(f"| {n:,} | " + " | ".join(cells) + " |")
    out += ["", f"At least {TARGET_RATIO}x in {wins} of {total} cells with a peer.", ""]
    return out


def block_tables(b):
    lengths = list(b.medians)
    names = list(next(iter(b.medians.values())).keys())
    out = [f"## {b.setup}", "", "; ".join(b.header), "",
           "| contender | " + " | ".join(f"{n:,}" for n in lengths) + " |",
           "|---|" + "---|" * len(lengths)]
    for name in names:
        out.append(f"| {name} | " + " | ".join(f"{b.medians[n].get(name, math.nan):.2f}"
                                                for n in lengths) + " |")
    out += ["", "| n | softcheck best (algorithm) | best peer | ratio | ratio, best rounds | "
            "two-pass / three-pass-reload | same, best rounds |", "|---|---|---|---|---|---|---|"]
    for n in lengths:
        simd = {k: v for k, v in b.medians[n].items() if algorithm_of(k)}
        peers = {k: v for k, v in b.medians[n].items() if k in PEERS}
        best = max(simd, key=simd.get)
        two = next(k for k in simd if algorithm_of(k) == "two-pass")
        reload = next(k for k in simd if algorithm_of(k) == "three-pass-reload")
        fastest = b.bests[n]
        if peers:
            peer = max(peers, key=peers.get)
            peer_text = f"{peers[peer]:.2f} ({peer})"
            ratio = f"{b.ratio(n):.2f} | {b.ratio(n, b.bests):.2f}"
        else:
            peer_text, ratio = "-", "- | -"
        out.append(f"| {n:,} | {simd[best]:.2f} ({algorithm_of(best)}) | {peer_text} | {ratio} | "
                   f"{simd[two] / simd[reload]:.2f} | {fastest[two] / fastest[reload]:.2f} |")
    return out + [""]


def bound_tables(b):
    largest = list(b.medians)[-1]
    memcpy = b.medians[largest]["memcpy"]
    out = [f"Bytes each algorithm must move, and the fraction of its memcpy-based bound "
           f"achieved at n = {largest:,} ({b.setup}; memcpy {memcpy:.2f} GB/s: bound = memcpy x 2 / "
           "(reads + writes)):", "",
           "| algorithm | reads | writes | bound GB/s | achieved GB/s | fraction |",
           "|---|---|---|---|---|---|"]
    for k, v in b.medians[largest].items():
        algorithm = algorithm_of(k)
        if not algorithm:
            continue
        r, w = TRAFFIC[algorithm]
        bound = memcpy * 2 / (r + w)
        out.append(f"| {algorithm} | {r}n | {w}n | {bound:.2f} | {v:.2f} | {v / bound:.2f} |")
    out += ["", f"Spread over the rounds at n = {largest:,} (GB/s; spread = (best - worst) / median):",
            "", "| contender | median | best | worst | spread |", "|---|---|---|---|---|"]
    for name, v in b.medians[largest].items():
        best, worst = b.bests[largest][name], b.worsts[largest][name]
        out.append(f"| {name} | {v:.2f} | {best:.2f} | {worst:.2f} | {(best - worst) / v:.2f} |")
    return out + [""]


def plot_block(b, plot):
    lengths = list(b.medians)
    names = list(next(iter(b.medians.values())).keys())
    figure, axis = plt.subplots(figsize=(8, 5))
    for name in names:
        style = "-" if name.startswith("softcheck simd") else ("--" if name != "memcpy" else ":")
        axis.plot(lengths, [b.medians[n].get(name, math.nan) for n in lengths], style, marker="o",
                  label=name)
    axis.set_xscale("log", base=2)
    axis.set_xlabel("row length n")
    axis.set_ylabel("GB/s (one read + one write per element), median of rounds")
    axis.set_title(b.setup + " (" + b.title.split("SIMD target ")[-1].split(";")[0] + ")")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(plot, dpi=120)


def main():
    source, markdown, plot = sys.argv[1:4]
    provenance, blocks = read_blocks(source)
    if not blocks:
        sys.exit(f"report.py: no measurements in {source}")
    made = "Produced by `" + provenance.get("command", "analyses/perf/run.sh") + "`"
    if "commit" in provenance:
        made += " at commit " + provenance["commit"]
    if provenance.get("cpu"):
        made += " on " + provenance["cpu"]
    out = ["# Softmax-family throughput", "",
           made + ". GB/s counts one read and one write per element (2 x the element size); "
           "every call holds at least the input bytes its header gives (short rows as a batch "
           "of many rows). The contenders take turns (round-robin, same buffers): every entry "
           "is the median over the rounds, and the ratios compare medians (\"best rounds\": the "
           "fastest round of each).", ""]
    out += summary(blocks)
    for b in blocks:
        out += block_tables(b)
    out += bound_tables(blocks[0])
    open(markdown, "w", encoding="utf-8").write("\n".join(out) + "\n")
    plot_block(blocks[0], plot)


if __name__ == "__main__":
    main()
