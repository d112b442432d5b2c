"""The SIMD kernels (src/kernels/simd) pass the gate under the default contracts:
`softcheck gate --kernel 'builtin/*/*/simd-*'` on the default suite exits 0, and the JSON
report holds exactly the SIMD kernels the registry lists (`softcheck list`), each (op, format,
algorithm) once, each with verdict pass and named after the Highway target that dynamic
dispatch chose (simd-<algorithm>-<isa>-u4a4). Built without Highway (no simd-* kernel
registered) the test is skipped (exit 77, ctest: Skipped).

Usage: /usr/bin/python3 tests/cli/test_simd_gate.py path/to/softcheck
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, finish, run, skip_all  # noqa: E402

GLOB = "builtin/*/*/simd-*"
NAME = re.compile(r"^builtin/(softmax|log_softmax|cross_entropy)/(f32|bf16|f16)/"
                  r"simd-(two-pass|three-pass-recompute|three-pass-reload|online)-[a-z0-9_]+-u4a4$")


def main():
    listing = run("list", "--kernel", "builtin/*", "--json")
    check("list exits 0", listing.returncode == 0, listing.stderr)
    if listing.returncode != 0:
        return finish()
    listed = sorted(k["name"] for k in json.loads(listing.stdout) if "/simd-" in k["name"])
    if not listed:
        skip_all("softcheck built without Highway: no simd-* kernel registered (cmake/Simd.cmake)")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "gate.json")
        result = run("gate", "--kernel", GLOB, "--quiet", "--json", report)
        check("gate exits 0", result.returncode == 0, result.stdout[-3000:] + result.stderr)
        with open(report, encoding="utf-8") as handle:
            document = json.load(handle)
    kernels = document.get("kernels", [])
    names = [k.get("kernel") or k.get("name") for k in kernels]
    check(f"the gate holds the {len(listed)} SIMD kernels `softcheck list` shows",
          sorted(map(str, names)) == listed, f"gated {sorted(map(str, names))}\nlisted {listed}")
    for name in names:
        check("name " + str(name), bool(NAME.match(str(name))))
    combinations = [NAME.match(str(n)).groups() for n in names if NAME.match(str(n))]
    ops, formats, algorithms = (set(part) for part in zip(*combinations)) if combinations \
        else (set(), set(), set())
    check("each (op, format, algorithm) once, every combination present",
          len(set(combinations)) == len(names) == len(ops) * len(formats) * len(algorithms),
          f"{len(names)} kernels; ops {sorted(ops)}, formats {sorted(formats)}, "
          f"algorithms {sorted(algorithms)}")
    for k in kernels:
        verdict = k.get("verdict")
        check("verdict pass: " + str(k.get("kernel") or k.get("name")), verdict == "pass", verdict)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
