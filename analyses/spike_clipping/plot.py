#!/usr/bin/python3
"""Figures and summary.md of the 10 000x spike analysis: the LR-spike plots
(analyses/lr_spike/plot.py) with this analysis's title. Usage: plot.py DIR."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(subprocess.call([sys.executable, os.path.join(here, "..", "lr_spike", "plot.py"), sys.argv[1],
                          "10 000x learning-rate spike: plain Adam vs clipping vs controller (measured)"]))
