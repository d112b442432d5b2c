#!/usr/bin/python3
"""`pip install --no-build-isolation .` into a fresh virtual environment (made with
--system-site-packages, as Debian's Python asks), then `import softcheck` from another
directory with PYTHONPATH unset: the installed package loads its own compiled module, gates a
NumPy function, and registers its pytest plugin. (ctest: python_pip_install.)

By default the build step reuses the CMake build tree in SOFTCHECK_CMAKE_BUILD_DIR (ctest
passes its own, already built), so the test takes seconds; SOFTCHECK_PIP_FRESH=1 builds the
module from scratch in a fresh tree instead, as a user's first install does (minutes).
Exits 77 (skipped) where pip or venv is missing, 1 on failure."""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77

CHECK = """
import os, sys, numpy as np, softcheck
assert os.path.dirname(softcheck.__file__).startswith(sys.prefix), softcheck.__file__
def softmax(x):
    with np.errstate(all="ignore"):
        y = np.exp(x.astype(np.float64) - x.max(axis=-1, keepdims=True, initial=-np.inf))
        return (y / y.sum(axis=-1, keepdims=True)).astype(x.dtype)
result = softcheck.gate_callable(softmax, "softmax", dtypes="f32")
if softcheck.kernels("torch/softmax/f32/aten"):  # the libtorch adapter, from the package's copy
    assert os.environ["SOFTCHECK_TORCH_MODULE"].startswith(sys.prefix)
    assert softcheck.gate("torch/softmax/f32/aten")["kernels"][0]["verdict"] == "pass"
print("installed:", softcheck.__file__, softcheck.__version__, result["kernels"][0]["verdict"])
"""


def main():
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    for module in ("venv", "pip"):
        if subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode:
            print(f"skipped: {python} has no {module} (Debian: python3-venv, python3-pip)")
            return SKIP
    work = tempfile.mkdtemp(prefix="softcheck-pip-")
    try:
        venv = os.path.join(work, "venv")
        subprocess.check_call([python, "-m", "venv", "--system-site-packages", venv])
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "SOFTCHECK_PYTHON_DIR", "SOFTCHECK_BUILD_DIR")}
        if os.environ.get("SOFTCHECK_PIP_FRESH"):
            env.pop("SOFTCHECK_CMAKE_BUILD_DIR", None)
            shutil.rmtree(os.path.join(ROOT, "build-python"), ignore_errors=True)
        subprocess.check_call([os.path.join(venv, "bin", "pip"), "install", "--quiet",
                               "--no-build-isolation", "--no-index", ROOT], env=env)
        elsewhere = os.path.join(work, "elsewhere")
        os.mkdir(elsewhere)
        out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", CHECK], env=env,
                             cwd=elsewhere, capture_output=True, text=True)
        print(out.stdout + out.stderr, end="")
        if out.returncode != 0 or "installed:" not in out.stdout or not out.stdout.rstrip().endswith("pass"):
            print("FAILED: the installed package did not import or gate from another directory")
            return 1
        plugin = subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pytest", "--help"],
                                env=env, cwd=elsewhere, capture_output=True, text=True)
        if "--softcheck-suite" not in plugin.stdout:
            print("FAILED: the pytest plugin is not registered (entry point pytest11)")
            return 1
        print("pip install: ok (import from another directory, gate_callable, pytest plugin)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
