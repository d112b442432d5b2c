#!/bin/sh
# Installs, with apt-get, whatever softcheck's build and tests need and this machine lacks.
# Debian 12 packages only. Runs apt-get update only when something is missing.
set -eu
# Build and test: compiler, references (Boost + MPFR), tests (Catch2, RapidCheck), CLI.
PACKAGES="build-essential cmake ninja-build pkg-config libboost-dev libmpfr-dev libgmp-dev catch2
  librapidcheck-dev libcli11-dev nlohmann-json3-dev python3-mpmath python3-numpy"
# Real kernel libraries under the gate (each adapter is compiled when its package is found),
# and PyTorch for the vector-file round trip.
PACKAGES="$PACKAGES libdnnl-dev libxnnpack-dev libpthreadpool-dev libtorch-dev python3-torch"
# Plots of the analyses (analyses/*/plot.py, run with /usr/bin/python3).
PACKAGES="$PACKAGES python3-matplotlib"
# Arb ball arithmetic: the certified Taylor radius in src/taylor_radius (softcheck radius --exact).
PACKAGES="$PACKAGES libflint-arb-dev"
# OpenBLAS for the training analyses (analyses/grokking/run.sh loads it for its own runs;
# libtorch's default reference BLAS is about 6x slower there). Installing it also makes it
# the system's default libblas.so.3.
PACKAGES="$PACKAGES libopenblas0-serial"
# SIMD kernels (Highway) and their benchmark against the peers (Google Benchmark).
PACKAGES="$PACKAGES libhwy-dev libbenchmark-dev"
# Training data of the controller analyses: sklearn's digits csv.gz and Fashion-MNIST.
PACKAGES="$PACKAGES python3-sklearn dataset-fashion-mnist"
# The Python module (pybind11), its tests (pytest), the notebooks (executed headless with
# nbconvert) and the rendering check of the HTML report (headless Chromium).
# `pip install --no-build-isolation .` of the package into a virtual environment
# (pyproject.toml, setup.py; tested by python_pip_install) needs pip, venv and setuptools.
PACKAGES="$PACKAGES pybind11-dev python3-pybind11 python3-pytest python3-pip python3-venv
  python3-setuptools python3-wheel jupyter-nbconvert
  python3-nbconvert python3-jupyter-client python3-ipykernel python3-ipywidgets chromium"
# softcheck's own reliability (.ci/run): libFuzzer (clang 14 and its runtime) for the parsers'
# fuzz targets (scripts/fuzz.sh).
PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
