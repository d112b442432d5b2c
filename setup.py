"""The build step of `pip install --no-build-isolation .` (pyproject.toml): configures and
builds this project's CMake target _softcheck, the compiled part of the package, and copies
it into the package, so that the installed `softcheck` needs neither the source tree nor
PYTHONPATH. Debian has no scikit-build; this is the whole of what it would do here.

SOFTCHECK_CMAKE_BUILD_DIR: build the module in that CMake build tree (e.g. the repository's
`build/`, which makes the step incremental; a configured tree is used as configured, so the
module's version names the commit it was configured at) instead of a fresh one under
build-python/. SOFTCHECK_CMAKE_ARGS:
more arguments for the configure step. The build uses the interpreter that runs pip, so a
virtual environment's python builds a module it can import.
"""
import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))


def run(command):
    print("softcheck build: " + " ".join(shlex.quote(c) for c in command), flush=True)
    subprocess.check_call(command, cwd=ROOT)


def cmake_build_dir():
    given = os.environ.get("SOFTCHECK_CMAKE_BUILD_DIR")
    return os.path.abspath(given) if given else os.path.join(ROOT, "build-python", "cmake")


class BuildWithCMake(build_py):
    """build_py, plus the compiled module from CMake copied into the built package."""

    def run(self):
        build_dir = cmake_build_dir()
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            run(["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                 "-DSOFTCHECK_BUILD_TESTS=OFF", "-DSOFTCHECK_BUILD_ANALYSES=OFF",
                 f"-DPYTHON_EXECUTABLE={sys.executable}",
                 *shlex.split(os.environ.get("SOFTCHECK_CMAKE_ARGS", ""))])
        elif not os.environ.get("SOFTCHECK_CMAKE_BUILD_DIR"):
            run(["cmake", build_dir])  # reconfigure our own tree: the commit in the version
        run(["cmake", "--build", build_dir, "--target", "_softcheck", "-j",
             str(os.cpu_count() or 2)])
        modules = glob.glob(os.path.join(build_dir, "python", "_softcheck*.so"))
        # the libtorch adapter's module, opened at the first torch kernel call; the package
        # points SOFTCHECK_TORCH_MODULE at its copy (softcheck/__init__.py)
        extras = glob.glob(os.path.join(build_dir, "libsoftcheck_torch.so"))
        if not modules:
            sys.exit("softcheck build: CMake built no _softcheck module (is pybind11-dev "
                     "installed? the configure step says why it skipped the module)")
        super().run()
        target = os.path.join(self.build_lib, "softcheck")
        os.makedirs(target, exist_ok=True)
        for module in modules + extras:
            shutil.copy2(module, target)


class BinaryDistribution(Distribution):
    """The wheel holds a compiled module: tag it for this platform and Python."""

    def has_ext_modules(self):
        return True


os.makedirs(os.path.join(ROOT, "build-python"), exist_ok=True)  # egg_base below must exist
setup(cmdclass={"build_py": BuildWithCMake}, distclass=BinaryDistribution,
      options={"build": {"build_base": os.path.join("build-python", "setuptools")},
               "egg_info": {"egg_base": "build-python"}})
