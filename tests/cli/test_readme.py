"""The README's quick start is exactly two commands, and .ci/run runs the second as written.
The results table in the README is reports/gate.md as scripts/update-results.sh copied it.

Usage: /usr/bin/python3 tests/cli/test_readme.py path/to/softcheck
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

readme = open(os.path.join(ROOT, "README.md")).read()
section = re.search(r"## Quick start\n(.*?)\n## ", readme, re.S)
blocks = re.findall(r"```sh\n(.*?)```", section.group(1), re.S) if section else []
commands = [line for block in blocks for line in block.splitlines() if line.strip()]
ci = [line for line in open(os.path.join(ROOT, ".ci", "run")).read().splitlines()
      if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
failures = []
if len(commands) != 2:
    failures.append(f"quick start has {len(commands)} commands, expected 2: {commands}")
elif ci != [commands[1]]:
    failures.append(f".ci/run runs {ci}, README's second command is {commands[1]!r}")
results = re.search(r"<!-- results:begin -->\n(.*?)\n<!-- results:end -->", readme, re.S)
report = open(os.path.join(ROOT, "reports", "gate.md")).read().strip()
if not results or results.group(1).strip() != report:
    failures.append("README's results table differs from reports/gate.md: run scripts/update-results.sh")
for failure in failures:
    print("FAIL " + failure)
print("ok   README quick start and .ci/run agree; results table matches reports/gate.md"
      if not failures else "")
sys.exit(1 if failures else 0)
