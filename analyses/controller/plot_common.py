"""Shared helpers of the controller analyses' plot.py scripts (run with /usr/bin/python3):
CSV reading (skipping the '# command/commit/blas' provenance lines, which are collected),
figure footers and markdown tables."""
import csv
import os
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "provenance"))
from source_commit import source_commit  # noqa: E402


def read_csv(path):
    """Rows as dicts with numbers converted, and the provenance comment lines."""
    with open(path) as f:
        lines = f.read().splitlines()
    comments = [l for l in lines if l.startswith("#")]
    rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
    for row in rows:
        for key, value in row.items():
            try:
                row[key] = float(value)
            except (TypeError, ValueError):
                pass
    return rows, comments


def written_by(script):
    """A summary's provenance line: the command that runs `script` (a path from the repository
    root) with this process's arguments, and the commit of the tree it runs in."""
    command = shlex.join(["/usr/bin/python3", script] + sys.argv[1:])
    return (f"Written by `{command}` (commit {source_commit()}) from the CSV files beside it, "
            "whose headers name the command and commit that made them.")


def png_metadata(script):
    """A figure's provenance, as PNG text (savefig's metadata=): written_by(script)."""
    return {"Description": written_by(script)}


def provenance(comments):
    """'command ... | commit ...' for figure footers."""
    parts = [c[2:] for c in comments if c.startswith("# command:") or c.startswith("# commit:")]
    return " | ".join(parts)


def footer(fig, comments):
    import textwrap
    fig.text(0.01, 0.005, textwrap.fill(provenance(comments), 180), fontsize=5, va="bottom")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def onset(curve, drop=0.05, none=float("nan")):
    """First r of a sorted [(r, acc, base)] curve whose test accuracy is at least `drop` below
    the trained model's (the phase-transition analyses' collapse); `none` if no r is."""
    for r, acc, base in curve:
        if acc <= base - drop:
            return r
    return none


def existing(directory, names):
    return [os.path.join(directory, n) for n in names if os.path.exists(os.path.join(directory, n))]


def pct(x):
    return "nan" if x != x else f"{100 * x:.1f}"
