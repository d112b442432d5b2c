"""Helpers shared by the command-line tests tests/cli/test_*.py (not a test itself: the
glob cli/test_*.py in tests/CMakeLists.txt does not match it).

Each test runs as a script, `/usr/bin/python3 tests/cli/test_X.py path/to/softcheck ...`,
and imports this module after putting its own directory on sys.path:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from cli_support import BINARY, check, expect_usage_error, finish, run

BINARY is the absolute path of the softcheck binary given as the script's first argument
(None when there is none). check() records a failed condition in FAILURES; skip() records a
part that cannot run here (a library, module or tool absent) in SKIPPED; finish() prints the
summary and returns the exit status for sys.exit. A test that cannot run at all calls
skip_all(reason), which exits SKIP_EXIT at once. tests/CMakeLists.txt gives every test
SKIP_RETURN_CODE 77, so ctest reports such a test Skipped, never Passed: a test that cannot
run here is reported as skipped, never as passed.
"""
import json
import os
import subprocess
import sys

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
FAILURES = []
SKIPPED = []
SKIP_EXIT = 77  # ctest's SKIP_RETURN_CODE for every test (tests/CMakeLists.txt)
ERROR_PREFIX = "softcheck: error:"


def check(label, condition, detail=""):
    """Prints 'ok' or 'FAIL' and the label; a failure is recorded, its detail printed indented."""
    print(("ok   " if condition else "FAIL ") + label)
    if not condition:
        FAILURES.append(label)
        if detail:
            print("     " + str(detail).replace("\n", "\n     "))


def skip(label, reason):
    """Records that the part `label` cannot run here because of `reason` (printed)."""
    print(f"SKIP {label}: {reason}")
    SKIPPED.append(label)


def skip_all(reason):
    """The whole test cannot run here: prints why and exits SKIP_EXIT (ctest: Skipped)."""
    print(f"skipped: {reason}")
    sys.exit(SKIP_EXIT)


def import_or_skip(module):
    """Imports and returns `module`, or skips the whole test when it is not installed."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as error:
        skip_all(f"Python module {module} is not installed for {sys.executable} ({error})")


def run_command(argv, cwd=None, timeout=600, env=None):
    """Runs argv, capturing text output; env entries are added to the inherited environment."""
    full_env = None if env is None else {**os.environ, **env}
    return subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env=full_env)


def run(*args, cwd=None, timeout=600, env=None):
    """Runs softcheck with args."""
    if BINARY is None:
        raise SystemExit("usage: " + os.path.basename(sys.argv[0]) + " path/to/softcheck")
    return run_command([BINARY, *args], cwd=cwd, timeout=timeout, env=env)


def expect_usage_error(label, args, needle, cwd=None):
    """softcheck args is a usage error: exit 2 and exactly one non-empty line on stderr, which
    starts with 'softcheck: error:' and mentions needle (a string, or a list of strings that
    must all appear)."""
    result = run(*args, cwd=cwd)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    check(label + ": exit 2", result.returncode == 2, f"exit {result.returncode}\n{result.stderr}")
    check(label + ": one line on stderr", len(lines) == 1, result.stderr)
    check(label + f": starts with {ERROR_PREFIX!r}", result.stderr.startswith(ERROR_PREFIX),
          result.stderr)
    for text in [needle] if isinstance(needle, str) else needle:
        check(label + f": message mentions {text!r}", text in result.stderr, result.stderr)


def finish():
    """Prints the summary line; the exit status: 1 if any check failed, else SKIP_EXIT if a
    part was skipped (the test did not fully run: ctest reports it Skipped), else 0."""
    if FAILURES:
        print(f"{len(FAILURES)} failed")
        return 1
    if SKIPPED:
        print(f"no check failed, but {len(SKIPPED)} part(s) skipped: " + "; ".join(SKIPPED))
        return SKIP_EXIT
    print("all passed")
    return 0


def load_manifest(directory):
    """The manifest.json of a vector-file directory (docs/vectors.md)."""
    with open(os.path.join(directory, "manifest.json")) as file:
        return json.load(file)


def save_manifest(directory, manifest):
    """Writes manifest.json back (tests that tamper with it)."""
    with open(os.path.join(directory, "manifest.json"), "w") as file:
        json.dump(manifest, file)
