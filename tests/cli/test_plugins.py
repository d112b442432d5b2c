"""`softcheck gate --plugin` and `softcheck list --plugin` with the fixture plugins.

A crashing plugin next to a correct one: exit 1, and the JSON and JUnit reports hold both
plugins' kernels, the crash naming its signal. A hanging plugin is reported as timed out and
the gate finishes. Missing and malformed plugins: one "softcheck: error:" line on stderr, exit 2.
The attention fixture's correct kernel passes, its softcap bug fails on attn-softcap-huge, and
its error return is a crash carrying the plugin's message.

Usage: /usr/bin/python3 tests/cli/test_plugins.py path/to/softcheck [fixture-dir]
The fixture directory (where tests/fixtures/plugins/*.c were built as <stem>.so) comes from
the second argument or the SOFTCHECK_FIXTURES environment variable (set by ctest).
The example plugin of docs/plugins.md ("A complete example") is built with the documented gcc
command and gated; without gcc that part is skipped and, if nothing else failed, the test
reports Skipped (exit 77), not Passed.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run, skip  # noqa: E402

FIXTURES = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SOFTCHECK_FIXTURES", "")
TIMEOUT_MS = 500      # --timeout-ms for the hanging plugin
HANG_BUDGET_S = 120   # the whole hanging-plugin gate must finish well within this
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GOOD_KERNELS = {"plugin:good/softmax/f32/three-pass", "plugin:good/cross_entropy/f32/three-pass"}
CRASH_KERNEL = "plugin:crash/softmax/f32/segv-long-rows"
HANG_KERNEL = "plugin:hang/softmax/f32/spins-on-inf"


def plugin(stem):
    return os.path.join(FIXTURES, stem + ".so")


def gate(*args, cwd=None):
    return run("gate", "--kernel", "plugin:*", "--suite", "quick", "--quiet", *args, cwd=cwd)


def test_crash_next_to_good(tmp):
    json_path, junit_path = os.path.join(tmp, "gate.json"), os.path.join(tmp, "gate.xml")
    result = gate("--plugin", plugin("crash"), "--plugin", plugin("good"),
                  "--json", json_path, "--junit", junit_path)
    check("crash + good: exit 1", result.returncode == 1, f"exit {result.returncode}\n{result.stderr}")
    check("crash + good: the console names the signal", "SIGSEGV" in result.stdout, result.stdout[-2000:])

    report = json.load(open(json_path))
    kernels = {k["name"]: k for k in report["kernels"]}
    check("JSON has every kernel of both plugins", set(kernels) == GOOD_KERNELS | {CRASH_KERNEL},
          sorted(kernels))
    for name in GOOD_KERNELS:
        check(f"JSON: {name} passes", kernels.get(name, {}).get("verdict") == "pass")
    crash = kernels.get(CRASH_KERNEL, {})
    check("JSON: the crashing kernel fails", crash.get("verdict") == "FAIL", crash.get("verdict"))
    messages = {r.get("message") for r in crash.get("reproducers", []) if r.get("check") == "crash"}
    check("JSON: crash reproducers name the signal", messages == {"killed by signal 11 (SIGSEGV)"},
          messages)

    suites = {s.get("name"): s for s in ElementTree.parse(junit_path).getroot().iter("testsuite")}
    check("JUnit has a suite per kernel of both plugins", set(suites) == GOOD_KERNELS | {CRASH_KERNEL},
          sorted(suites))
    crash_cases = [c for c in suites.get(CRASH_KERNEL, []).iter("testcase") if c.get("name") == "crash"]
    failure = crash_cases[0].find("failure") if crash_cases else None
    check("JUnit: the crash test case fails naming the signal",
          failure is not None and "killed by signal 11 (SIGSEGV)" in (failure.text or ""),
          None if failure is None else failure.text)
    good_failures = [c for name in GOOD_KERNELS for c in suites.get(name, []).iter("failure")]
    check("JUnit: the good plugin's test cases pass", not good_failures)


def test_hang(tmp):
    json_path = os.path.join(tmp, "hang.json")
    start = time.monotonic()
    result = gate("--plugin", plugin("hang"), "--timeout-ms", str(TIMEOUT_MS), "--json", json_path)
    took = time.monotonic() - start
    check("hang: exit 1", result.returncode == 1, f"exit {result.returncode}\n{result.stderr}")
    check(f"hang: the gate finishes ({took:.1f} s)", took < HANG_BUDGET_S)
    report = json.load(open(json_path))
    kernel = next((k for k in report["kernels"] if k["name"] == HANG_KERNEL), {})
    messages = {r.get("message") for r in kernel.get("reproducers", []) if r.get("check") == "crash"}
    check("hang: reported as timed out", messages == {f"timed out after {TIMEOUT_MS} ms"}, messages)


def test_bad_plugins():
    missing = plugin("missing")
    expect_usage_error("missing plugin", ["gate", "--plugin", missing], [missing, "No such file"])
    expect_usage_error("wrong ABI", ["gate", "--plugin", plugin("wrong_abi")],
                       ["wrong_abi.so", "ABI version 2", "supports version 1"])
    expect_usage_error("no entry point", ["gate", "--plugin", plugin("no_entry")],
                       ["no_entry.so", "softcheck_plugin_entry"])
    expect_usage_error("bad entry", ["list", "--plugin", plugin("bad_entry")],
                       ["bad_entry.so", "unknown op 99"])
    expect_usage_error("missing plugin (list)", ["list", "--plugin", missing], [missing])


def test_list():
    result = run("list", "--json", "--kernel", "plugin:*", "--plugin", "good.so", cwd=FIXTURES)
    check("list --plugin with a bare file name: exit 0", result.returncode == 0, result.stderr)
    kernels = json.loads(result.stdout) if result.returncode == 0 else []
    check("list shows the plugin's kernels", {k["name"] for k in kernels} == GOOD_KERNELS, kernels)
    check("list: provider is plugin:good", {k["provider"] for k in kernels} == {"plugin:good"})


def test_plugin_alone_selects_its_kernels(tmp):
    """gate --plugin without --kernel checks the plugin's kernels and nothing else."""
    report = os.path.join(tmp, "alone.json")
    result = run("gate", "--quiet", "--suite", "quick", "--plugin", plugin("good"),
                 "--json", report)
    check("gate --plugin good.so alone: exit 0", result.returncode == 0, result.stderr)
    names = set()
    if os.path.isfile(report):
        names = {k["name"] for k in json.load(open(report))["kernels"]}
    check("gate --plugin alone gates exactly the plugin's kernels", names == GOOD_KERNELS, names)


def test_documented_example(tmp):
    """docs/plugins.md, A complete example: its C source, built by its gcc command, passes the
    gate it shows."""
    page = open(os.path.join(REPOSITORY, "docs", "plugins.md")).read()
    section = re.search(r"\n## A complete example\n(.*?)\n## ", page, re.S)
    doc = section.group(1) if section else ""
    sources = re.findall(r"```c\n(.*?)```", doc, re.S)
    commands = [line for block in re.findall(r"```sh\n(.*?)```", doc, re.S)
                for line in block.splitlines() if line.strip()]
    build = [c for c in commands if c.startswith("gcc ")]
    gates = [c for c in commands if " gate " in c]
    check("docs/plugins.md's complete example has one C source, a gcc and a gate command",
          len(sources) == 1 and len(build) == 1 and len(gates) == 1, commands)
    if not (sources and build and gates):
        return
    if not shutil.which("gcc"):
        skip("docs/plugins.md's complete example", "gcc is not installed")
        return
    with open(os.path.join(tmp, "my_softmax.c"), "w") as f:
        f.write(sources[0])
    compile_args = [os.path.join(REPOSITORY, "include") if a == "include" else a
                    for a in shlex.split(build[0])]
    built = subprocess.run(compile_args, cwd=tmp, capture_output=True, text=True)
    check("documented example builds", built.returncode == 0, built.stderr)
    gate_args = shlex.split(gates[0])
    result = run(*gate_args[1:], cwd=tmp)  # gate_args[0] is ./build/softcheck
    check("documented example passes the gate", result.returncode == 0 and
          re.search(r"plugin:mine/softmax/f32/three-pass-f64 .* pass", result.stdout) is not None,
          result.stdout[-2000:] + result.stderr[-2000:])


def test_attention(tmp):
    """The attention fixture: plugin:attn/attention/f32/naive-f64 passes; softcap-dropped fails
    `output` on attn-softcap-huge; fails-long's error message is a crash; exit 1 for the three."""
    json_path = os.path.join(tmp, "attention.json")
    result = gate("--plugin", plugin("attention"), "--kernel", "plugin:*/attention/*", "--json", json_path)
    check("attention plugin: exit 1 (two planted failures)", result.returncode == 1,
          f"exit {result.returncode}\n{result.stderr}")
    kernels = {k["name"]: k for k in json.load(open(json_path)).get("attention", {}).get("kernels", [])}
    check("attention plugin: the three kernels are gated", set(kernels) == {
        "plugin:attn/attention/f32/naive-f64", "plugin:attn/attention/f32/softcap-dropped",
        "plugin:attn/attention/f32/fails-long"}, sorted(kernels))
    naive = kernels.get("plugin:attn/attention/f32/naive-f64", {})
    check("attention plugin: the correct kernel passes, with its LSE checked",
          naive.get("verdict") == "pass" and naive.get("checks", {}).get("lse", {}).get("checked", 0) > 0,
          naive.get("verdict"))
    bugged = kernels.get("plugin:attn/attention/f32/softcap-dropped", {})
    families = {(r["check"], r["family"]) for r in bugged.get("reproducers", [])}
    check("attention plugin: softcap dropped fails output on attn-softcap-huge",
          bugged.get("verdict") == "fail" and ("output", "attn-softcap-huge") in families, families)
    failing = kernels.get("plugin:attn/attention/f32/fails-long", {})
    messages = {r["message"] for r in failing.get("reproducers", []) if r["check"] == "crash"}
    check("attention plugin: an error return is a crash with the plugin's message",
          any("returned 3: lk = " in m and "512 keys" in m for m in messages), messages)

    def gate_one(glob):  # gate() adds --kernel 'plugin:*', which would select all three
        return run("gate", "--kernel", glob, "--suite", "quick", "--quiet", "--plugin", plugin("attention"))

    result = gate_one("plugin:attn/attention/f32/naive-f64")
    check("attention plugin: the correct kernel alone exits 0", result.returncode == 0,
          result.stdout[-2000:] + result.stderr)
    result = gate_one("plugin:attn/attention/*/softcap-dropped")
    check("attention plugin: the softcap bug alone exits 1, naming the family",
          result.returncode == 1 and "FAIL plugin:attn/attention/f32/softcap-dropped [output] family "
          "attn-softcap-huge" in result.stdout, result.stdout[-2000:])
    expect_usage_error("bad attention entry", ["gate", "--plugin", plugin("bad_attention")],
                       ["bad_attention.so", "attention kernel 1: unknown p_format 9"])


def test_rounding_bias(tmp):
    """The truncating bf16 softmax: only the bias check fails, in every writer."""
    paths = {ext: os.path.join(tmp, "bias." + ext) for ext in ("json", "xml", "md")}
    result = run("gate", "--kernel", "plugin:bf16-bias/*/truncate", "--suite", "quick", "--quiet",
                 "--plugin", plugin("bf16_bias"), "--json", paths["json"], "--junit", paths["xml"],
                 "--markdown", paths["md"])
    check("truncating bf16: exit 1", result.returncode == 1, result.stdout[-2000:] + result.stderr)
    check("truncating bf16: the console names the bias check and its family",
          "check bias (mean error -0.5" in result.stdout and "family tile-lengths" in result.stdout,
          result.stdout[-2000:])

    kernel = json.load(open(paths["json"]))["kernels"][0]
    failing = {name for name, stats in kernel["checks"].items() if stats["violations"] > 0}
    check("JSON: only bias fails", failing == {"bias"}, failing)
    families = {f["family"]: f for f in kernel["bias"]}
    tile = families.get("tile-lengths", {})
    check("JSON: per-family bias, half an ulp toward zero on tile-lengths",
          abs(tile.get("mean_error_ulp", 0) + 0.5) < 0.05 and tile.get("ratio", 0) > 1
          and tile.get("away_fraction") == 0, tile)

    cases = {c.get("name"): c for c in ElementTree.parse(paths["xml"]).getroot().iter("testcase")}
    check("JUnit: the bias test case fails", cases.get("bias") is not None
          and cases["bias"].find("failure") is not None, sorted(cases))

    markdown = open(paths["md"]).read()
    check("Markdown: a bias column", "| risk_order | bias | verdict |" in markdown, markdown[:600])
    row = next((line for line in markdown.splitlines() if line.startswith("| `plugin:")), "")
    check("Markdown: the truncating kernel's bias cell: about -0.5 ulp, flagged",
          re.search(r"\| -0\.(49|5\d) x\d+ \| FAIL \|", row) is not None, row)


def main():
    if not FIXTURES or not os.path.isfile(plugin("good")):
        print(f"no plugin fixtures in {FIXTURES!r}: pass the directory or set SOFTCHECK_FIXTURES")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        test_crash_next_to_good(tmp)
        test_hang(tmp)
        test_bad_plugins()
        test_list()
        test_plugin_alone_selects_its_kernels(tmp)
        test_documented_example(tmp)
        test_attention(tmp)
        test_rounding_bias(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
