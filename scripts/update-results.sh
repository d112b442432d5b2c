#!/bin/sh
# Regenerates reports/gate.md (every kernel on this machine, default suite, seed 1) and copies
# its table into docs/results.md between <!-- results:begin --> and <!-- results:end -->.
# The gate exits 1 when a library deviates from its contract; that is a result, not an error.
set -eu
cd "$(dirname "$0")/.."
status=0
./build/softcheck gate --quiet --markdown reports/gate.md > /dev/null || status=$?
[ "$status" -le 1 ] || { echo "update-results: the gate failed with exit $status" >&2; exit "$status"; }
/usr/bin/python3 - <<'PY'
import re
table = open("reports/gate.md").read().strip()
page = open("docs/results.md").read()
begin, end = "<!-- results:begin -->", "<!-- results:end -->"
if begin not in page or end not in page:
    raise SystemExit("update-results: docs/results.md has no results markers")
head, rest = page.split(begin, 1)
_, tail = rest.split(end, 1)
open("docs/results.md", "w").write(head + begin + "\n" + table + "\n" + end + tail)
PY
echo "update-results: reports/gate.md and docs/results.md updated"
