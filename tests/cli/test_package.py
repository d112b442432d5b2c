"""The installed CMake package: a kernel library's project gates its plugin from its own CTest.

softcheck is installed (cmake --install) into a temporary prefix; tests/package/ is
configured against it with find_package(softcheck), once with a correct plugin (its ctest
passes and writes JUnit) and once with a planted bug (its ctest fails).

Usage: /usr/bin/python3 tests/cli/test_package.py path/to/build/softcheck
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import BINARY, check, finish, run_command  # noqa: E402

BUILD = os.path.dirname(BINARY)
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPOSITORY, "tests", "fixtures", "plugins")


def run(*args, cwd=None):
    """Runs a command (cmake, ctest, the installed softcheck): not the softcheck under test."""
    return run_command(args, cwd=cwd)


def output(result):
    return (result.stdout + result.stderr)[-3000:]


def consumer(prefix, work, fixture):
    """Configures, builds and tests tests/package with the fixture plugin; the ctest result."""
    build = os.path.join(work, fixture)
    configured = run("cmake", "-S", os.path.join(REPOSITORY, "tests", "package"), "-B", build,
                     f"-DCMAKE_PREFIX_PATH={prefix}",
                     f"-DPLUGIN_SOURCE={os.path.join(FIXTURES, fixture + '.c')}")
    check(f"consumer with {fixture}.c configures (find_package(softcheck))",
          configured.returncode == 0, output(configured))
    built = run("cmake", "--build", build)
    check(f"consumer with {fixture}.c builds", built.returncode == 0, output(built))
    return run("ctest", "--test-dir", build, "--output-on-failure"), build


def main():
    with tempfile.TemporaryDirectory() as work:
        prefix = os.path.join(work, "prefix")
        installed = run("cmake", "--install", BUILD, "--prefix", prefix)
        check("cmake --install", installed.returncode == 0, output(installed))
        check("installed softcheck runs",
              run(os.path.join(prefix, "bin", "softcheck"), "--version").returncode == 0)

        good, build = consumer(prefix, work, "good")
        check("softcheck_add_gate passes a correct plugin", good.returncode == 0,
              output(good))
        check("softcheck_add_gate writes JUnit",
              os.path.isfile(os.path.join(build, "softcheck-gate.xml")))
        check("softcheck_add_gate SHARDS 3 makes three shard tests and their merge",
              all(f"my_softmax_sharded_shard_{k} " in good.stdout for k in (1, 2, 3))
              and "my_softmax_sharded " in good.stdout, good.stdout[-2000:])
        check("the sharded gate's merge writes JUnit",
              os.path.isfile(os.path.join(build, "softcheck-sharded.xml")))

        bad, _ = consumer(prefix, work, "no_max")
        check("softcheck_add_gate fails a plugin with a planted bug",
              bad.returncode != 0 and "VIOLATION" in bad.stdout, bad.stdout[-2000:])
        check("the sharded gate's merge fails it too, its shards pass",
              "2 tests failed out of 5" in bad.stdout
              and "my_softmax_sharded (Failed)" in bad.stdout,
              bad.stdout[-2000:])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
