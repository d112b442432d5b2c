"""`softcheck vectors export` / `vectors check`: a framework computes outputs from .npy files.

Plays two frameworks: numpy (float64 softmax, cast to f32 / f16 / bf16: passes; one element
perturbed: a violation) and PyTorch on the CPU through scripts/vectors_torch.py. Without
numpy the test is skipped; when `import torch` fails the PyTorch part is skipped and, if
nothing else failed, the test reports Skipped (exit 77), not Passed. Malformed manifests and .npy files, missing or
misshapen outputs and inputs that do not match the suite must exit 2 with one line on
stderr, starting "softcheck: error:".

Usage: /usr/bin/python3 tests/cli/test_vectors.py path/to/softcheck
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import (check, expect_usage_error, finish, import_or_skip,  # noqa: E402
                         load_manifest, run, save_manifest, skip)

np = import_or_skip("numpy")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TORCH_SCRIPT = os.path.join(REPO, "scripts", "vectors_torch.py")
NPY = {"f32": np.float32, "f16": np.float16}


def logits_f64(directory, case):
    x = np.load(os.path.join(directory, case["input"]))
    if case["dtype"] == "bf16":  # bit patterns: the upper half of binary32
        return (x.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return x.astype(np.float64)


def to_bf16_bits(values):
    """Round float64 values to bf16 (nearest even, via f32: the contract allows 1 ulp)."""
    bits = values.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(values), np.uint16(0x7FC0), rounded)


def numpy_softmax(x):
    """float64 softmax with max subtraction; NaN/+inf/fully masked rows give NaN (the table)."""
    with np.errstate(all="ignore"):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def write_numpy_outputs(directory):
    manifest = load_manifest(directory)
    for case in manifest["cases"]:
        y = numpy_softmax(logits_f64(directory, case))
        out = to_bf16_bits(y) if case["dtype"] == "bf16" else y.astype(NPY[case["dtype"]])
        path = os.path.join(directory, case["output"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, out)
    return manifest


def test_export_errors(tmp):
    expect_usage_error("export: unknown op", ["vectors", "export", "--dir", os.path.join(tmp, "e1"),
                                              "--op", "softmaxx"], "softmaxx")
    expect_usage_error("export: unknown dtype", ["vectors", "export", "--dir", os.path.join(tmp, "e2"),
                                                 "--dtype", "f8"], "f8")
    busy = os.path.join(tmp, "busy")
    os.makedirs(busy)
    with open(os.path.join(busy, "notes.txt"), "w") as file:
        file.write("mine")
    expect_usage_error("export: non-empty directory", ["vectors", "export", "--dir", busy], "not empty")


def test_numpy_round_trip(tmp):
    directory = os.path.join(tmp, "numpy")
    result = run("vectors", "export", "--dir", directory, "--suite", "quick", "--seed", "7",
                 "--op", "softmax", "--dtype", "f32", "--dtype", "f16", "--dtype", "bf16")
    check("export: exit 0", result.returncode == 0, result.stderr)
    manifest = write_numpy_outputs(directory)
    check("manifest: format, version, suite, seed",
          (manifest["format"], manifest["version"], manifest["suite"], manifest["seed"])
          == ("softcheck-vectors", 1, "quick", 7), str(manifest.get("format")))
    check("manifest: bf16 is stored as '<u2' bit patterns",
          manifest["dtypes"]["bf16"]["npy"] == "<u2" and "bit" in manifest["dtypes"]["bf16"]["note"])
    check("manifest: every case has rows and n > 0",
          all(c["rows"] > 0 and c["n"] > 0 for c in manifest["cases"]))

    report = os.path.join(tmp, "numpy.json")
    result = run("vectors", "check", "--dir", directory, "--quiet", "--json", report)
    check("numpy f64 softmax cast to f32/f16/bf16: exit 0", result.returncode == 0,
          result.stdout[-3000:] + result.stderr)
    with open(report) as file:
        doc = json.load(file)
    names = sorted(k["name"] for k in doc["kernels"])
    check("kernels named after the directory", names == [f"vectors:numpy/softmax/{d}/outputs"
                                                          for d in ("bf16", "f16", "f32")], str(names))
    check("every case checked", doc["vectors"]["checked"] == len(manifest["cases"])
          and doc["vectors"]["skipped"] == 0, json.dumps(doc["vectors"])[:500])

    # One element 1000 ulps off in f32: a violation that names the family and row.
    case = next(c for c in manifest["cases"] if c["id"] == "softmax/f32/normal-s1/1")
    path = os.path.join(directory, case["output"])
    pristine = np.load(path)
    out = pristine.copy()
    out.view(np.uint32)[1, 5] += 1000
    np.save(path, out)
    result = run("vectors", "check", "--dir", directory, "--quiet", "--name", "perturbed")
    check("perturbed output: exit 1", result.returncode == 1, result.stdout[-2000:] + result.stderr)
    check("perturbed output: reproducer names family, batch, row and element",
          "VIOLATION: vectors:perturbed/softmax/f32/outputs check accuracy family normal-s1 batch 1 "
          "row 1 out[5]" in result.stdout, result.stdout[:2000])
    np.save(path, pristine)

    # A case the framework skipped: reported, not a pass; --fail-on-skip makes it fail.
    skipped = os.path.join(tmp, "skipped")
    shutil.copytree(directory, skipped)
    manifest = load_manifest(skipped)
    for case in manifest["cases"]:
        if case["dtype"] == "f16":
            case["skipped"] = "no f16 on this device"
            os.remove(os.path.join(skipped, case["output"]))
    save_manifest(skipped, manifest)
    junit = os.path.join(tmp, "skipped.xml")
    report = os.path.join(tmp, "skipped.json")
    result = run("vectors", "check", "--dir", skipped, "--quiet", "--junit", junit, "--json", report)
    check("skipped cases: exit 0", result.returncode == 0, result.stdout[-2000:] + result.stderr)
    check("skipped cases: listed with the reason",
          "skipped vectors:skipped/softmax/f16/outputs" in result.stdout
          and "no f16 on this device" in result.stdout, result.stdout[-1500:])
    with open(report) as file:
        doc = json.load(file)
    f16 = [k for k in doc["vectors"]["kernels"] if k["dtype"] == "f16"]
    check("skipped cases: JSON accounts for them, no f16 kernel in the gate",
          len(f16) == 1 and f16[0]["checked"] == 0 and f16[0]["skipped"] == f16[0]["cases"]
          and not f16[0]["in_gate"] and all(k["format"] != "f16" for k in doc["kernels"]), str(f16))
    skipped_cases = ElementTree.parse(junit).getroot().findall(".//testcase/skipped")
    check("skipped cases: JUnit marks each as skipped", len(skipped_cases) == f16[0]["cases"],
          str(len(skipped_cases)))
    result = run("vectors", "check", "--dir", skipped, "--quiet", "--fail-on-skip")
    check("skipped cases with --fail-on-skip: exit 1", result.returncode == 1, result.stdout[-500:])
    return directory


def test_input_errors(tmp, good):
    def copy(label):
        target = os.path.join(tmp, label)
        shutil.copytree(good, target)
        return target, load_manifest(target)

    expect_usage_error("check: no manifest", ["vectors", "check", "--dir", os.path.join(tmp, "none")],
                       "manifest.json: cannot read")
    directory, _ = copy("badjson")
    with open(os.path.join(directory, "manifest.json"), "w") as file:
        file.write('{"format": "softcheck-vectors", "cases": [')
    expect_usage_error("check: malformed manifest", ["vectors", "check", "--dir", directory],
                       "not valid JSON")
    directory, manifest = copy("badfield")
    del manifest["cases"][3]["output"]
    save_manifest(directory, manifest)
    expect_usage_error("check: case without output", ["vectors", "check", "--dir", directory],
                       "\"output\" is missing")
    directory, manifest = copy("badmagic")
    case = manifest["cases"][0]
    with open(os.path.join(directory, case["output"]), "wb") as file:
        file.write(b"not an npy file")
    expect_usage_error("check: bad .npy magic", ["vectors", "check", "--dir", directory], "bad magic")
    directory, manifest = copy("truncated")
    path = os.path.join(directory, manifest["cases"][1]["output"])
    with open(path, "rb") as file:
        data = file.read()
    with open(path, "wb") as file:
        file.write(data[:-3])
    expect_usage_error("check: truncated .npy", ["vectors", "check", "--dir", directory],
                       "truncated data")
    directory, manifest = copy("shape")
    case = manifest["cases"][2]
    np.save(os.path.join(directory, case["output"]),
            np.zeros((case["rows"], case["n"] + 1), dtype=np.float32))
    expect_usage_error("check: mismatched shape", ["vectors", "check", "--dir", directory],
                       "expected (%d, %d)" % (case["rows"], case["n"]))
    directory, manifest = copy("missing")
    os.remove(os.path.join(directory, manifest["cases"][4]["output"]))
    expect_usage_error("check: missing output", ["vectors", "check", "--dir", directory], "is missing")
    directory, manifest = copy("changed")
    case = manifest["cases"][5]
    x = np.load(os.path.join(directory, case["input"]))
    x.flat[0] = 0.25 if x.flat[0] != 0.25 else 0.5
    np.save(os.path.join(directory, case["input"]), x)
    expect_usage_error("check: input changed", ["vectors", "check", "--dir", directory],
                       "does not match the suite")


def test_torch_cpu(tmp):
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        skip("torch round trip", "import torch failed for " + sys.executable)
        return
    directory = os.path.join(tmp, "torch")
    result = run("vectors", "export", "--dir", directory, "--suite", "quick", "--op", "softmax",
                 "--op", "log_softmax", "--op", "cross_entropy", "--dtype", "f32")
    check("torch: export exit 0", result.returncode == 0, result.stderr)
    script = subprocess.run([sys.executable, TORCH_SCRIPT, "--dir", directory, "--device", "cpu"],
                            capture_output=True, text=True, timeout=300)
    check("torch: vectors_torch.py exit 0", script.returncode == 0, script.stdout + script.stderr)
    manifest = load_manifest(directory)
    check("torch: manifest names the framework",
          manifest.get("name") == "torch" and manifest.get("algorithm") == "torch-cpu", str(manifest.get("name")))
    report = os.path.join(tmp, "torch.json")
    result = run("vectors", "check", "--dir", directory, "--quiet", "--json", report)
    print(result.stdout[-4000:])
    check("torch: check exits 0 or 1", result.returncode in (0, 1), result.stderr)
    with open(report) as file:
        doc = json.load(file)
    names = sorted(k["name"] for k in doc["kernels"])
    check("torch: the three torch kernels are gated",
          names == [f"vectors:torch/{op}/f32/torch-cpu" for op in ("cross_entropy", "log_softmax", "softmax")],
          str(names))
    accounted = sum(k["checked"] + k["skipped"] for k in doc["vectors"]["kernels"])
    check("torch: every case accounted for (checked or skipped)",
          accounted == len(manifest["cases"]) == doc["vectors"]["cases"],
          f"{accounted} of {len(manifest['cases'])}")
    check("torch: each gated kernel has cases", all(k["cases"]["checked"] > 0 for k in doc["kernels"]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_export_errors(tmp)
        good = test_numpy_round_trip(tmp)
        test_input_errors(tmp, good)
        test_torch_cpu(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
