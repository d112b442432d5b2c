"""The commit a report-writing script runs from, for the provenance line it writes.

`git describe --always --abbrev=10`, with "-dirty" when a tracked file outside reports/ differs
from that commit: the reports a script rewrites do not make its own source dirty, any other
change does. "unknown" outside a git work tree.
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def source_commit():
    try:
        commit = _git("describe", "--always", "--abbrev=10").strip()
        changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if changed.strip() else "")
