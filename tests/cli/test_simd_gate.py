"""The SIMD kernels (src/kernels/simd) pass the gate under the default contracts:
`softcheck gate --kernel 'builtin/*/*/simd-*'` on the default suite exits 0, and the JSON
report lists all 36 of them (3 ops x 3 formats x 4 algorithms), each with verdict pass and
named after the Highway target that dynamic dispatch chose (simd-<algorithm>-<isa>-u4a4).
Skipped (passes) when softcheck was built without Highway (no simd-* kernel registered).

Usage: /usr/bin/python3 tests/cli/test_simd_gate.py path/to/softcheck
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, finish, run  # noqa: E402

GLOB = "builtin/*/*/simd-*"
NAME = re.compile(r"^builtin/(softmax|log_softmax|cross_entropy)/(f32|bf16|f16)/"
                  r"simd-(two-pass|three-pass-recompute|three-pass-reload|online)-[a-z0-9_]+-u4a4$")


def main():
    listing = run("list", "--kernel", "builtin/*")
    if "simd-" not in listing.stdout:
        print("softcheck built without Highway: no SIMD kernels to gate")
        return finish()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "gate.json")
        result = run("gate", "--kernel", GLOB, "--quiet", "--json", report)
        check("gate exits 0", result.returncode == 0, result.stdout[-3000:] + result.stderr)
        with open(report, encoding="utf-8") as handle:
            document = json.load(handle)
    kernels = document.get("kernels", [])
    names = [k.get("kernel") or k.get("name") for k in kernels]
    check("36 SIMD kernels gated", len(names) == 36, names)
    for name in names:
        check("name " + str(name), bool(NAME.match(str(name))))
    for k in kernels:
        verdict = k.get("verdict")
        check("verdict pass: " + str(k.get("kernel") or k.get("name")), verdict == "pass", verdict)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
