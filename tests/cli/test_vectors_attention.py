"""`softcheck vectors export --op attention` / `vectors check`: attention through vector files.

Plays two frameworks on the quick suite in f32: numpy (float64 attention rounded once to f32,
with the LSE in float64: passes, O and LSE both checked) and PyTorch on the CPU through
scripts/vectors_torch.py (scaled_dot_product_attention or libtorch 1.13's math path: passes,
softcap cases skipped with the reason). A corrupted O file is a violation whose reproducer
names the family; a truncated .npy, a changed input, a manifest whose scale differs from the
suite's, and LSE files written for only some cases are input errors: exit 2, one line.
Without numpy the test is skipped; without torch the PyTorch part is skipped (exit 77 when
nothing else failed).

Usage: /usr/bin/python3 tests/cli/test_vectors_attention.py path/to/softcheck
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import (check, expect_usage_error, finish, import_or_skip,  # noqa: E402
                         load_manifest, run, save_manifest, skip)

np = import_or_skip("numpy")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TORCH_SCRIPT = os.path.join(REPO, "scripts", "vectors_torch.py")


def load(directory, path):
    return np.load(os.path.join(directory, path))


def numpy_attention(directory, case):
    """float64 attention of one f32 head: (O, LSE); fully masked rows give NaN and -inf."""
    q, k, v = (load(directory, case[key]).astype(np.float64) for key in ("q", "k", "v"))
    s = float.fromhex(case["scale"]) * (q @ k.T)
    cap = float.fromhex(case["softcap"])
    if cap > 0:
        s = cap * np.tanh(s / cap)
    if case["mask"]["additive"]:
        s = s + load(directory, case["bias"]).astype(np.float64)
    else:
        s = np.where(load(directory, case["keep"]), s, -np.inf)
    with np.errstate(all="ignore"):
        m = s.max(axis=1, keepdims=True)
        p = np.exp(s - m)
        total = p.sum(axis=1, keepdims=True)
        lse = np.where(m == -np.inf, -np.inf, m + np.log(total))  # no key: -inf, not NaN
        return (p @ v) / total, lse[:, 0]


def write_numpy_outputs(directory):
    manifest = load_manifest(directory)
    for case in manifest["cases"]:
        out, lse = numpy_attention(directory, case)
        os.makedirs(os.path.dirname(os.path.join(directory, case["output"])), exist_ok=True)
        np.save(os.path.join(directory, case["output"]), out.astype(np.float32))
        np.save(os.path.join(directory, case["lse"]), lse)
    return manifest


def test_export(tmp):
    directory = os.path.join(tmp, "numpy")
    result = run("vectors", "export", "--dir", directory, "--suite", "quick", "--op", "attention",
                 "--dtype", "f32")
    check("export --op attention: exit 0", result.returncode == 0, result.stderr)
    manifest = load_manifest(directory)
    cases = manifest["cases"]
    check("export: attention cases only", cases and all(c["op"] == "attention" for c in cases),
          str(len(cases)))
    check("export: scale and softcap as exact hex and decimal that agree",
          all(float.fromhex(c[key]) == float(c[key + "_decimal"])
              for c in cases for key in ("scale", "softcap")))
    check("export: the default scale is 1/sqrt(d) exactly",
          any(float.fromhex(c["scale"]) == 1 / math.sqrt(c["d"]) for c in cases))
    boolean = [c for c in cases if not c["mask"]["additive"]]
    additive = [c for c in cases if c["mask"]["additive"]]
    check("export: boolean and additive masks", boolean and additive)
    keep = load(directory, boolean[0]["keep"])
    check("export: keep is bool (lq, lk)", keep.dtype == np.bool_ and
          keep.shape == (boolean[0]["lq"], boolean[0]["lk"]), f"{keep.dtype} {keep.shape}")
    bias = load(directory, additive[0]["bias"])
    check("export: bias is <f4 (lq, lk) with 0 and the sentinel",
          bias.dtype.str == "<f4" and set(np.unique(bias)) <= {0.0, float.fromhex(additive[0]["mask"]["sentinel"])},
          str(np.unique(bias)))
    q = load(directory, cases[0]["q"])
    check("export: Q is <f4 (lq, d)", q.dtype.str == "<f4" and q.shape == (cases[0]["lq"], cases[0]["d"]))
    return directory


def test_numpy_round_trip(tmp, directory):
    write_numpy_outputs(directory)
    report = os.path.join(tmp, "numpy.json")
    result = run("vectors", "check", "--dir", directory, "--quiet", "--json", report)
    check("numpy f64 attention rounded to f32: exit 0", result.returncode == 0,
          result.stdout[-3000:] + result.stderr)
    check("the attention table names the vector kernel",
          re.search(r"vectors:numpy/attention/f32/outputs +f32/f32/none .* pass", result.stdout)
          is not None, result.stdout[-2000:])
    with open(report) as file:
        doc = json.load(file)
    kernels = doc.get("attention", {}).get("kernels", [])
    check("JSON: one attention kernel, every case checked, LSE provided",
          len(kernels) == 1 and kernels[0]["provides_lse"] and kernels[0]["checks"]["lse"]["checked"] > 0
          and doc["vectors"]["checked"] == doc["vectors"]["cases"], json.dumps(doc.get("vectors"))[:500])


def copy(tmp, good, label):
    target = os.path.join(tmp, label)
    shutil.copytree(good, target)
    return target, load_manifest(target)


def test_corruption(tmp, good):
    directory, manifest = copy(tmp, good, "corrupt")
    case = next(c for c in manifest["cases"] if c["family"] == "attn-normal")
    path = os.path.join(directory, case["output"])
    out = np.load(path)
    out[0, :] = -out[0, :] + 1.0  # flip row 0 of O
    np.save(path, out)
    result = run("vectors", "check", "--dir", directory, "--quiet")
    check("flipped O: exit 1", result.returncode == 1, result.stdout[-2000:] + result.stderr)
    check("flipped O: the reproducer names kernel, family, case and row",
          f"FAIL vectors:corrupt/attention/f32/outputs [output] family attn-normal" in result.stdout
          and f"case {case['batch']} row 0" in result.stdout, result.stdout[:2000])
    check("flipped O: says how to replay a vector kernel",
          "replay: softcheck vectors check --dir" in result.stdout, result.stdout[:2000])


def test_input_errors(tmp, good):
    directory, manifest = copy(tmp, good, "truncated")
    path = os.path.join(directory, manifest["cases"][3]["output"])
    with open(path, "rb") as file:
        data = file.read()
    with open(path, "wb") as file:
        file.write(data[:-5])
    expect_usage_error("truncated O .npy", ["vectors", "check", "--dir", directory],
                       [manifest["cases"][3]["output"], "truncated data"])

    directory, manifest = copy(tmp, good, "changed")
    case = manifest["cases"][1]
    k = load(directory, case["k"])
    k[0, 0] = 0.5 if k[0, 0] != 0.5 else 0.25
    np.save(os.path.join(directory, case["k"]), k)
    expect_usage_error("changed K", ["vectors", "check", "--dir", directory],
                       ["k file", "does not match the suite", "row 0, column 0"])

    directory, manifest = copy(tmp, good, "scale")
    manifest["cases"][0]["scale"] = "0x1.8p-2"
    manifest["cases"][0]["scale_decimal"] = "0.375"
    save_manifest(directory, manifest)
    expect_usage_error("manifest scale not the suite's", ["vectors", "check", "--dir", directory],
                       ["scale is", "0x1.8p-2"])

    directory, manifest = copy(tmp, good, "decimal")
    manifest["cases"][0]["scale_decimal"] = "0.3"
    save_manifest(directory, manifest)
    expect_usage_error("scale_decimal disagrees with scale", ["vectors", "check", "--dir", directory],
                       "scale_decimal")

    directory, manifest = copy(tmp, good, "partial-lse")
    os.remove(os.path.join(directory, manifest["cases"][2]["lse"]))
    expect_usage_error("LSE for some cases only", ["vectors", "check", "--dir", directory],
                       [manifest["cases"][2]["lse"], "or none"])

    directory, manifest = copy(tmp, good, "masked-row")
    manifest["attention"] = {"masked_row": "average"}
    save_manifest(directory, manifest)
    expect_usage_error("unknown masked_row declaration", ["vectors", "check", "--dir", directory],
                       "masked_row")


def test_torch_cpu(tmp):
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        skip("torch round trip", "import torch failed for " + sys.executable)
        return
    directory = os.path.join(tmp, "torch")
    result = run("vectors", "export", "--dir", directory, "--suite", "quick", "--op", "attention",
                 "--dtype", "f32")
    check("torch: export exit 0", result.returncode == 0, result.stderr)
    script = subprocess.run([sys.executable, TORCH_SCRIPT, "--dir", directory, "--device", "cpu"],
                            capture_output=True, text=True, timeout=300)
    check("torch: vectors_torch.py exit 0", script.returncode == 0, script.stdout + script.stderr)
    check("torch: the script says why it skipped the softcap cases", "softcap" in script.stdout,
          script.stdout)
    manifest = load_manifest(directory)
    declared = manifest.get("attention", {})
    check("torch: the manifest declares NaN for fully masked rows and the f32 formats",
          declared.get("masked_row") == "nan" and
          declared.get("formats", {}).get("f32") == {"accumulation": "f32", "p": "none"}, str(declared))
    skipped = [c for c in manifest["cases"] if "skipped" in c]
    check("torch: softcap cases skipped, others written",
          all(float.fromhex(c["softcap"]) == 0 or "skipped" in c for c in manifest["cases"])
          and len(skipped) < len(manifest["cases"]) // 4, f"{len(skipped)} skipped")
    result = run("vectors", "check", "--dir", directory, "--quiet")
    check("torch f32 attention: exit 0", result.returncode == 0, result.stdout[-3000:] + result.stderr)
    check("torch: the attention table names vectors:torch/attention/f32/torch-cpu",
          re.search(r"vectors:torch/attention/f32/torch-cpu .* pass", result.stdout) is not None,
          result.stdout[-2000:])
    check("torch: skipped cases listed with the reason",
          "skipped vectors:torch/attention/f32/torch-cpu" in result.stdout, result.stdout[-1500:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        good = test_export(tmp)
        test_numpy_round_trip(tmp, good)
        test_corruption(tmp, good)
        test_input_errors(tmp, good)
        test_torch_cpu(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
