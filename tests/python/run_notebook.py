"""Executes one notebook top to bottom headless, as a ctest (notebook_<name>):

    /usr/bin/python3 tests/python/run_notebook.py notebooks/X.ipynb OUT_DIR

runs `jupyter nbconvert --to notebook --execute` (through /usr/bin/python3 -m nbconvert) into
OUT_DIR (the source notebook is never rewritten), then checks the executed copy: no error
output, at least one figure rendered, and the run took under LIMIT_SECONDS (the notebooks aim
for < 30 s; the limit leaves room for a loaded machine). When nbconvert, the Jupyter kernel or
a module the notebook imports is not installed for this Python, it prints which and exits
SKIP_EXIT (77, ctest's SKIP_RETURN_CODE in tests/CMakeLists.txt: Skipped, not Passed)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import time

LIMIT_SECONDS = 90
SKIP_EXIT = 77
RUNNER_MODULES = ("nbconvert", "ipykernel")  # nbconvert --execute runs the python3 kernel
OWN_MODULES = ("softcheck",)  # this repository's package: failing to import it is a failure


def missing_modules(notebook):
    """The top-level modules the run needs (nbconvert, the kernel, each `import X` / `from X`
    in the notebook's code cells) that this Python cannot find."""
    with open(notebook) as f:
        cells = json.load(f)["cells"]
    needed = set(RUNNER_MODULES)
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = "".join(cell.get("source", []))
            needed |= set(re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", source, re.M))
    return sorted(m for m in needed - set(OWN_MODULES) if importlib.util.find_spec(m) is None)


def main():
    notebook, out_dir = sys.argv[1], sys.argv[2]
    missing = missing_modules(notebook)
    if missing:
        print(f"skipped: {os.path.basename(notebook)} needs Python module(s) {', '.join(missing)}, "
              f"not installed for {sys.executable}")
        return SKIP_EXIT
    os.makedirs(out_dir, exist_ok=True)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
                             "--ExecutePreprocessor.timeout=300", "--output-dir", out_dir, notebook],
                            capture_output=True, text=True)
    seconds = time.monotonic() - start
    print(f"{os.path.basename(notebook)}: executed in {seconds:.1f} s (exit {result.returncode})")
    if result.returncode != 0:
        print(result.stderr[-4000:])
        return 1
    with open(os.path.join(out_dir, os.path.basename(notebook))) as f:
        executed = json.load(f)
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    figures = sum("image/png" in o.get("data", {}) for c in executed["cells"] for o in c.get("outputs", []))
    print(f"  {figures} figures, {len(errors)} errors")
    failed = bool(errors) or figures == 0 or seconds > LIMIT_SECONDS
    if seconds > LIMIT_SECONDS:
        print(f"  too slow: {seconds:.1f} s > {LIMIT_SECONDS} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
