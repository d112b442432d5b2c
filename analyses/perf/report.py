"""Turns softmax_throughput's output (reports/perf.tsv) into reports/perf.md and a plot.

perf.md: the GB/s table (8 bytes/element; the median over softmax_throughput's interleaved
rounds), softcheck's best SIMD algorithm over the best peer library per row length and
two-pass over three-pass-reload (from the medians, and from the best rounds), at the largest
n the fraction of each algorithm's memcpy-based bound (medians), and the spread over the
rounds. The bound: memcpy moves 8 bytes/element (read n, write n) at B GB/s; an algorithm
that reads r*n and writes w*n floats needs (r + w) * 4 bytes/element at the same bandwidth,
so its best possible GB/s in the table's 8-bytes/element unit is B * 2 / (r + w). two-pass: r 2, w 1; three-pass-recompute: 3, 1;
three-pass-reload: 3, 2 (it writes the exps, then reads them back and writes the outputs);
online: 2, 1.
Usage: /usr/bin/python3 report.py perf.tsv perf.md perf.png
"""
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TRAFFIC = {"two-pass": (2, 1), "three-pass-recompute": (3, 1), "three-pass-reload": (3, 2),
           "online": (2, 1)}
PEERS = ("XNNPACK", "oneDNN", "libtorch")


def algorithm_of(name):
    for algorithm in TRAFFIC:
        if name.startswith("softcheck simd-" + algorithm + "-"):
            return algorithm
    return None


def main():
    source, markdown, plot = sys.argv[1:4]
    header, provenance, rows, bests, worsts = [], {}, OrderedDict(), {}, {}
    for line in open(source, encoding="utf-8"):
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(": ")
            if key in ("command", "commit"):  # run.sh's provenance lines
                provenance[key] = value
            else:
                header.append(line[1:].strip())
            continue
        n, name, median, best, worst, _ = line.rstrip("\n").split("\t")
        rows.setdefault(int(n), OrderedDict())[name] = float(median)
        bests.setdefault(int(n), {})[name] = float(best)
        worsts.setdefault(int(n), {})[name] = float(worst)
    names = list(next(iter(rows.values())).keys())
    lengths = list(rows)
    largest = lengths[-1]
    made = "Produced by `" + provenance.get("command", "analyses/perf/run.sh") + "`"
    if "commit" in provenance:
        made += " at commit " + provenance["commit"]
    out = ["# f32 softmax throughput", "", made + " (" + header[0] + "; " + header[1] + ").",
           "GB/s counts one read and one write per element (8 bytes/element); rows shorter "
           "than 64K run as a batch of 65536/n rows. One thread. The contenders take turns "
           "(round-robin, same buffers): every entry is the median over the rounds, and the "
           "ratios compare medians (\"best rounds\": the fastest round of each).", ""]
    out.append("| contender | " + " | ".join(f"{n:,}" for n in lengths) + " |")
    out.append("|---|" + "---|" * len(lengths))
    for name in names:
        out.append(f"| {name} | " + " | ".join(f"{rows[n].get(name, float('nan')):.2f}"
                                                for n in lengths) + " |")
    out += ["", "| n | softcheck best (algorithm) | best peer | ratio | ratio, best rounds | "
            "two-pass / three-pass-reload | same, best rounds |", "|---|---|---|---|---|---|---|"]
    for n in lengths:
        simd = {k: v for k, v in rows[n].items() if algorithm_of(k)}
        peers = {k: v for k, v in rows[n].items() if k in PEERS}
        best = max(simd, key=simd.get)
        two = next(k for k in simd if algorithm_of(k) == "two-pass")
        reload = next(k for k in simd if algorithm_of(k) == "three-pass-reload")
        fastest = bests[n]
        if peers:
            peer = max(peers, key=peers.get)
            best_peer_round = max(fastest[k] for k in peers)
            best_simd_round = max(fastest[k] for k in simd)
            peer_text = f"{peers[peer]:.2f} ({peer})"
            ratio = f"{simd[best] / peers[peer]:.2f} | {best_simd_round / best_peer_round:.2f}"
        else:
            peer_text, ratio = "-", "- | -"
        out.append(f"| {n:,} | {simd[best]:.2f} ({algorithm_of(best)}) | {peer_text} | {ratio} | "
                   f"{simd[two] / simd[reload]:.2f} | {fastest[two] / fastest[reload]:.2f} |")
    memcpy = rows[largest]["memcpy"]
    out += ["", f"Bytes each algorithm must move, and the fraction of its memcpy-based bound "
            f"achieved at n = {largest:,} (memcpy {memcpy:.2f} GB/s: bound = memcpy x 2 / (reads + writes)):",
            "", "| algorithm | reads | writes | bound GB/s | achieved GB/s | fraction |", "|---|---|---|---|---|---|"]
    for k, v in rows[largest].items():
        algorithm = algorithm_of(k)
        if not algorithm:
            continue
        r, w = TRAFFIC[algorithm]
        bound = memcpy * 2 / (r + w)
        out.append(f"| {algorithm} | {r}n | {w}n | {bound:.2f} | {v:.2f} | {v / bound:.2f} |")
    out += ["", f"Spread over the rounds at n = {largest:,} (GB/s; spread = (best - worst) / median):",
            "", "| contender | median | best | worst | spread |", "|---|---|---|---|---|"]
    for name, v in rows[largest].items():
        best, worst = bests[largest][name], worsts[largest][name]
        out.append(f"| {name} | {v:.2f} | {best:.2f} | {worst:.2f} | {(best - worst) / v:.2f} |")
    open(markdown, "w", encoding="utf-8").write("\n".join(out) + "\n")

    figure, axis = plt.subplots(figsize=(8, 5))
    for name in names:
        style = "-" if name.startswith("softcheck simd") else ("--" if name != "memcpy" else ":")
        axis.plot(lengths, [rows[n].get(name, float("nan")) for n in lengths], style, marker="o",
                  label=name)
    axis.set_xscale("log", base=2)
    axis.set_xlabel("row length n (f32)")
    axis.set_ylabel("GB/s (8 bytes/element), median of rounds")
    axis.set_title("softmax f32, one thread (" + header[0].split("SIMD target ")[-1].split(";")[0] + ")")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(plot, dpi=120)


if __name__ == "__main__":
    main()
