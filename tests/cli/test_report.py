"""`softcheck report`: usage errors, the three outputs of a small run, and the HTML rendered
offline in headless Chromium (DOM content and a non-blank screenshot). Without Chromium that
part is skipped and, if nothing else failed, the test reports Skipped (exit 77), not Passed.

Usage: /usr/bin/python3 tests/cli/test_report.py path/to/softcheck
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, expect_usage_error, finish, run, skip  # noqa: E402

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
SMALL = ["--suite", "quick", "--kernel", "builtin/softmax/f32/*", "--kernel", "builtin/cross_entropy/f32/*"]


def test_usage_errors(tmp):
    expect_usage_error("unknown kernel glob", ["report", "--out", tmp, "--kernel", "nosuch/*"], "nosuch/*")
    expect_usage_error("unknown suite", ["report", "--out", tmp, "--suite", "huge"], "huge")
    blocker = os.path.join(tmp, "file")
    open(blocker, "w").close()
    expect_usage_error("unwritable --out", ["report", "--out", os.path.join(blocker, "sub")] + SMALL,
                       "cannot write")


def png_pixels_vary(path):
    """Whether a PNG (8-bit RGB/RGBA, as Chromium writes) has more than one distinct row."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    rows = {raw[r * stride + 1:(r + 1) * stride] for r in range(0, height, 7)}
    return width > 0 and len(rows) > 3


def test_report(tmp):
    out = os.path.join(tmp, "report")
    result = run("report", "--out", out, "--quiet", *SMALL)
    check("report exits 0 (naive kernels fail as expected)", result.returncode == 0,
          result.stdout + result.stderr)
    for name in ["report.html", "report.md", "report.json"]:
        check(f"report writes {name}", os.path.exists(os.path.join(out, name)))
    with open(os.path.join(out, "report.json")) as f:
        data = json.load(f)
    names = {k["name"] for k in data["gate"]["kernels"]}
    check("JSON gate holds the selected kernels", "builtin/softmax/f32/online" in names and
          all(n.startswith(("builtin/softmax/f32/", "builtin/cross_entropy/f32/")) for n in names))
    check("JSON records machine, versions and command",
          data["machine"]["cpu"] and data["machine"]["libraries"] and "report" in data["command"]
          and "commit" in data["version"])
    runs = data["hconsistency"]
    grid = {(h.get("tau"), h.get("classes")) for h in runs}
    taus, classes = {t for t, _ in grid}, {n for _, n in grid}
    check("JSON has accuracy, collapse, radius, hconsistency",
          data["accuracy"]["kernels"] and data["collapse"] and data["radius"]["samples"] and runs)
    check("JSON's H-consistency runs: each (tau, classes) once, a full grid of several of each",
          len(grid) == len(runs) == len(taus) * len(classes) and len(taus) > 1 and len(classes) > 1,
          str(sorted(grid, key=str)))
    with open(os.path.join(out, "report.html")) as f:
        html = f.read()
    check("HTML is self-contained (no scripts, no remote resources)",
          "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
          and "https://" not in html)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    check("every figure names its data and a command", html.count("<figure>") > 3 and
          len(captions) == html.count("<figure>") and
          all("Data: " in c and "Reproduce: <code>softcheck " in c for c in captions))
    with open(os.path.join(out, "report.md")) as f:
        markdown = f.read()
    check("Markdown leads with the verdicts", "| `builtin/softmax/f32/online` | pass |" in markdown)
    return os.path.join(out, "report.html")


def test_browser(html_path, tmp):
    if CHROMIUM is None:
        skip("the HTML in headless Chromium", "chromium is not installed")
        return
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + os.path.join(tmp, "chromium-profile")]
    url = "file://" + os.path.abspath(html_path)
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    check("chromium --dump-dom exits 0", dom.returncode == 0, dom.stderr[-2000:])
    text = dom.stdout
    check("rendered DOM has the title", "<title>softcheck stability report</title>" in text)
    check("rendered DOM has the verdict table",
          'id="verdict-table"' in text and "builtin/softmax/f32/online" in text)
    check("rendered DOM has plots", text.count("<svg") >= 3 and 'class="series"' in text)
    shot = os.path.join(tmp, "report.png")
    capture = subprocess.run(base + ["--screenshot=" + shot, "--window-size=1280,1600", url],
                             capture_output=True, text=True, timeout=120)
    check("chromium --screenshot exits 0", capture.returncode == 0, capture.stderr[-2000:])
    check("screenshot is a non-blank PNG", os.path.exists(shot) and png_pixels_vary(shot))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_usage_errors(tmp)
        html = test_report(tmp)
        test_browser(html, tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
