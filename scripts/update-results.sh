#!/bin/sh
# Regenerates reports/gate.md (every kernel on this machine, default suite, seed 1) and copies
# its table into README.md between <!-- results:begin --> and <!-- results:end -->.
# The gate exits 1 when a library deviates from its contract; that is a result, not an error.
set -eu
cd "$(dirname "$0")/.."
status=0
./build/softcheck gate --quiet --markdown reports/gate.md > /dev/null || status=$?
[ "$status" -le 1 ] || { echo "update-results: the gate failed with exit $status" >&2; exit "$status"; }
/usr/bin/python3 - <<'PY'
import re
table = open("reports/gate.md").read().strip()
readme = open("README.md").read()
begin, end = "<!-- results:begin -->", "<!-- results:end -->"
if begin not in readme or end not in readme:
    raise SystemExit("update-results: README.md has no results markers")
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + "\n" + table + "\n" + end + tail)
PY
echo "update-results: reports/gate.md and README.md updated"
