"""pytest settings for tests/python (ctest's python_pytest): a run that could not test
everything reports Skipped, never Passed. tests/CMakeLists.txt gives every test
SKIP_RETURN_CODE 77, and
  - when a third-party module the tests import (NEEDED) is not installed for this Python, the
    session stops at once with exit 77;
  - when no test failed but some were skipped (pytest.mark.skipif: built without Arb, no
    SOFTCHECK_BINARY), the session's exit status becomes 77.
"""
import importlib
import sys

import pytest

SKIP_EXIT = 77
NEEDED = ("numpy",)


def importable(name):
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False


def pytest_configure(config):
    missing = [name for name in NEEDED if not importable(name)]
    if missing:
        pytest.exit(f"skipped: Python module(s) {', '.join(missing)} not installed for "
                    f"{sys.executable}", returncode=SKIP_EXIT)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    # 5: nothing collected, as when a whole module skips itself (python/gpu without a GPU)
    if exitstatus in (0, 5) and skipped:
        print(f"\n{skipped} test(s) skipped: the run reports Skipped (exit {SKIP_EXIT})")
        session.exitstatus = SKIP_EXIT
