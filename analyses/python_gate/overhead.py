#!/usr/bin/python3
"""The in-process overhead of softcheck.gate_callable against the vector-file route, for the
same NumPy function (a softmax computed in float64 and rounded once to the format):

  in process  softcheck.gate_callable(fn, "softmax", dtypes=DTYPES, suite=SUITE)
  isolated    the same with isolate=True (a spawned worker process; every batch pickled)
  vectors     softcheck vectors export --op softmax --suite SUITE, then fn over every case
              (np.load, fn, np.save, the manifest rewritten), then softcheck vectors check

Each is timed ROUNDS times in turn, wall clock; the medians and the ratios in_process/vectors
and isolated/vectors are printed as a Markdown table, with the CPU, the softcheck version and
this command. Run from the repository root after the default build:

  /usr/bin/python3 analyses/python_gate/overhead.py [--suite default] [--rounds 5] [--threads 2]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

import numpy as np  # noqa: E402

import softcheck  # noqa: E402
from kernels_under_test import softmax_rounded_once  # noqa: E402  (importable: isolate=True)

DTYPES = ["f64", "f32", "bf16", "f16"]


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def vectors_route(binary, suite, threads):
    """export + the function over every case + check; returns the check's verdicts."""
    directory = tempfile.mkdtemp(prefix="softcheck-overhead-")
    try:
        subprocess.run([binary, "vectors", "export", "--dir", directory, "--op", "softmax",
                        "--suite", suite], check=True, capture_output=True)
        path = os.path.join(directory, "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        for case in manifest["cases"]:
            x = np.load(os.path.join(directory, case["input"]), allow_pickle=False)
            out = os.path.join(directory, case["output"])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            np.save(out, softmax_rounded_once(x.reshape(case["rows"], case["n"])))
        manifest["name"], manifest["algorithm"] = "numpy", "softmax_rounded_once"
        with open(path, "w") as f:
            json.dump(manifest, f)
        done = subprocess.run([binary, "vectors", "check", "--dir", directory, "--threads",
                               str(threads), "--quiet"], capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr)
        return done.returncode
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default", choices=["quick", "default", "deep"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "softcheck"))
    args = parser.parse_args()
    routes = {
        "in process": lambda: softcheck.gate_callable(
            softmax_rounded_once, "softmax", dtypes=DTYPES, suite=args.suite, threads=args.threads),
        "isolated": lambda: softcheck.gate_callable(
            softmax_rounded_once, "softmax", dtypes=DTYPES, suite=args.suite,
            threads=args.threads, isolate=True),
        "vectors": lambda: vectors_route(args.binary, args.suite, args.threads),
    }
    verdicts = {k["format"]: k["verdict"] for k in routes["in process"]()["kernels"]}
    times = {name: [] for name in routes}
    for r in range(args.rounds):
        for name, route in routes.items():
            times[name].append(timed(route))
        print(f"round {r + 1}/{args.rounds}: " +
              ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), file=sys.stderr)
    median = {name: statistics.median(t) for name, t in times.items()}
    command = "/usr/bin/python3 analyses/python_gate/overhead.py " + " ".join(sys.argv[1:])
    print(f"softmax over the {args.suite} suite in {', '.join(DTYPES)} ({args.threads} threads), "
          f"wall-clock medians of {args.rounds} rounds; {cpu_name()}; softcheck "
          f"{softcheck.__version__}; `{command.strip()}`; verdicts in process: {verdicts}\n")
    print("| route | median s | min s | max s | ratio to vectors |\n|---|---|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {median[name]:.3f} | {min(t):.3f} | {max(t):.3f} | "
              f"{median[name] / median['vectors']:.2f} |")


if __name__ == "__main__":
    main()
