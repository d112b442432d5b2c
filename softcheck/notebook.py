"""Helpers for the notebooks in notebooks/: interactive controls that degrade to a note in a
headless run.

Debian 12's ipywidgets (6.0) speaks an older widget protocol than its nbclient, which fails on
the first widget a headless ``jupyter nbconvert --execute`` meets. So the notebooks draw their
default figure in a plain cell and create the widgets through :func:`interactive`, which skips
them when the kernel runs under nbconvert (or ``SOFTCHECK_NOTEBOOK_HEADLESS=1``)."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional


def headless() -> bool:
    """Whether the kernel runs without a widget frontend: under nbconvert (its parent
    process), or when SOFTCHECK_NOTEBOOK_HEADLESS=1."""
    if os.environ.get("SOFTCHECK_NOTEBOOK_HEADLESS") == "1":
        return True
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            return b"nbconvert" in f.read()
    except OSError:
        return False


def log_options(low: float, high: float, per_decade: int = 8) -> list:
    """Values from low to high, evenly spaced in log10, for a SelectionSlider (ipywidgets 6
    has no FloatLogSlider)."""
    import numpy as np
    count = int(round(np.log10(high / low) * per_decade)) + 1
    return [float(f"{v:.3g}") for v in np.logspace(np.log10(low), np.log10(high), count)]


def interactive(function: Callable[..., Any], controls: Callable[[], Dict[str, Any]]) -> Optional[Any]:
    """ipywidgets.interactive(function, **controls()), displayed; in a headless run, a printed
    note instead (the default render above it is the figure the controls start from).
    `controls` builds the widgets only when they will be shown: creating one is what fails
    headless."""
    if headless():
        print("(interactive controls skipped: headless run; open the notebook in Jupyter to use them)")
        return None
    import ipywidgets
    from IPython.display import display
    widget = ipywidgets.interactive(function, **controls())
    display(widget)
    return widget
