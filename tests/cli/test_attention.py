"""The attention gate from the command line: the built-in kernels pass, the reports carry the
attention part (JSON, Markdown, JUnit), `softcheck list` shows attention kernels, --family
selects families, and bad input is one line and exit 2.

Usage: /usr/bin/python3 tests/cli/test_attention.py path/to/softcheck
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as tmp:
        out_json = os.path.join(tmp, "gate.json")
        out_md = os.path.join(tmp, "gate.md")
        out_xml = os.path.join(tmp, "gate.xml")
        result = run("gate", "--kernel", "builtin/attention/*", "--suite", "quick", "--quiet",
                     "--json", out_json, "--markdown", out_md, "--junit", out_xml)
        check("the built-in attention kernels pass the quick suite (exit 0)", result.returncode == 0,
              result.stdout[-2000:] + result.stderr)
        check("the table lists 16 built-in attention kernels",
              result.stdout.count("builtin/attention/") == 16, result.stdout)
        document = json.load(open(out_json))
        attention = document.get("attention", {})
        check("the JSON document has the attention part", len(attention.get("kernels", [])) == 16,
              str(document)[:500])
        check("the JSON names each kernel's formats",
              all("accumulation" in k and "p_format" in k for k in attention.get("kernels", [])))
        markdown = open(out_md).read()
        check("the Markdown report names the seed and has the attention table",
              "seed 1" in markdown and "### Attention" in markdown, markdown[:500])
        junit = open(out_xml).read()
        check("the JUnit report has a suite per attention kernel",
              junit.count('<testsuite name="builtin/attention/') == 16, junit[:500])

    result = run("gate", "--kernel", "builtin/attention/f32/flash2-bq64-bk64", "--family",
                 "attn-fp8-*", "--quiet")
    check("--family runs only the matching families", result.returncode == 0 and
          " 8 " in result.stdout, result.stdout)

    listed = run("list", "--kernel", "builtin/attention/*", "--json")
    kernels = json.loads(listed.stdout)
    check("softcheck list shows the attention kernels with their formats",
          len(kernels) == 16 and all(k["op"] == "attention" and "p_format" in k for k in kernels),
          listed.stdout[:500])

    expect_usage_error("an attention family glob that matches nothing",
                       ["gate", "--kernel", "builtin/attention/*", "--family", "no-such-family"],
                       "no attention family")
    expect_usage_error("a kernel glob that matches nothing",
                       ["gate", "--kernel", "builtin/attention/f8/*"], "no kernel matches")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
