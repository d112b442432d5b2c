"""The README's quick start is exactly two commands, and .ci/run runs the second as written,
first (then the sanitizer and fuzz runs, which the README names).
The results table in docs/results.md is reports/gate.md as scripts/update-results.sh copied it.

Usage: /usr/bin/python3 tests/cli/test_readme.py path/to/softcheck
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, finish  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

readme = open(os.path.join(ROOT, "README.md")).read()
section = re.search(r"## Quick start\n(.*?)\n## ", readme, re.S)
blocks = re.findall(r"```sh\n(.*?)```", section.group(1), re.S) if section else []
commands = [line for block in blocks for line in block.splitlines() if line.strip()]
ci = [line for line in open(os.path.join(ROOT, ".ci", "run")).read().splitlines()
      if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
check("README quick start has exactly two commands", len(commands) == 2,
      f"quick start has {len(commands)} commands, expected 2: {commands}")
if len(commands) == 2:
    check(".ci/run runs README's second command as written, first", ci[:1] == [commands[1]],
          f".ci/run runs {ci}, README's second command is {commands[1]!r}")
    check("README says what CI runs after it", all(
        ("scripts/fuzz.sh" in readme, "--preset asan" in readme)),
        "README does not mention the asan preset and scripts/fuzz.sh that .ci/run runs")
results_page = open(os.path.join(ROOT, "docs", "results.md")).read()
results = re.search(r"<!-- results:begin -->\n(.*?)\n<!-- results:end -->", results_page, re.S)
report = open(os.path.join(ROOT, "reports", "gate.md")).read().strip()
check("docs/results.md's results table is reports/gate.md",
      results is not None and results.group(1).strip() == report,
      "docs/results.md's results table differs from reports/gate.md: run scripts/update-results.sh")
sys.exit(finish())
