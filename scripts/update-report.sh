#!/bin/sh
# Regenerates reports/stability/ - the stability report for every kernel this machine's build
# has (built-in, oneDNN, XNNPACK, libtorch), default suite, seed 1: report.html (self-contained,
# inline SVG figures), report.md, report.json, and report.png, a screenshot of the HTML taken
# offline by headless Chromium (linked from README.md).
#
#   ./scripts/update-report.sh            # uses ./build (the default preset)
#   SOFTCHECK_BUILD_DIR=build-x ./scripts/update-report.sh
#
# `softcheck report` exits 1 when a kernel breaks its contract (the libraries' real
# deviations); that is the report's content, not a failure of this script.
set -eu
cd "$(dirname "$0")/.."
build=${SOFTCHECK_BUILD_DIR:-build}
out=reports/stability
mkdir -p "$out"
status=0
/usr/bin/time -f "softcheck report: %e s" "$build/softcheck" report --out "$out" --suite default --seed 1 || status=$?
if [ "$status" -gt 1 ]; then
  echo "update-report: softcheck report failed (exit $status)" >&2
  exit "$status"
fi
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1280,5000 --screenshot="$out/report.png" "file://$(pwd)/$out/report.html" 2>/dev/null
rm -rf "$profile"
echo "update-report: wrote $out/report.html, report.md, report.json, report.png"
