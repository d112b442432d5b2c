"""Executes one notebook top to bottom headless, as a ctest (notebook_<name>):

    /usr/bin/python3 tests/python/run_notebook.py notebooks/X.ipynb OUT_DIR

runs `jupyter nbconvert --to notebook --execute` (through /usr/bin/python3 -m nbconvert) into
OUT_DIR (the source notebook is never rewritten), then checks the executed copy: no error
output, at least one figure rendered, and the run took under LIMIT_SECONDS (the notebooks aim
for < 30 s; the limit leaves room for a loaded machine)."""
import json
import os
import subprocess
import sys
import time

LIMIT_SECONDS = 90


def main():
    notebook, out_dir = sys.argv[1], sys.argv[2]
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
