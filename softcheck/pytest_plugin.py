"""pytest plugin for softcheck.testing.assert_kernel: --softcheck-suite {quick,default,deep}
and --softcheck-seed N set the suite and seed of every assert_kernel call that names none, so
`pytest --softcheck-suite deep` deepens every such assertion. Installed with the package
(entry point pytest11); from a source checkout, add `pytest_plugins = ["softcheck.pytest_plugin"]`
to a conftest.py."""
from __future__ import annotations

from softcheck import testing

SUITES = ("quick", "default", "deep")


def pytest_addoption(parser):
    group = parser.getgroup("softcheck")
    group.addoption("--softcheck-suite", choices=SUITES, default=None,
                    help="suite of every softcheck assert_kernel that names none (default quick)")
    group.addoption("--softcheck-seed", type=int, default=None,
                    help="seed of every softcheck assert_kernel that names none (default 1)")


def pytest_configure(config):
    suite = config.getoption("--softcheck-suite")
    seed = config.getoption("--softcheck-seed")
    if suite is not None:
        testing.defaults["suite"] = suite
    if seed is not None:
        testing.defaults["seed"] = seed


def pytest_report_header(config):
    return f"softcheck: assert_kernel suite {testing.defaults['suite']}, seed {testing.defaults['seed']}"
