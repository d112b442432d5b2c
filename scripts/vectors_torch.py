#!/usr/bin/python3
"""Run softcheck vector files through PyTorch and write its outputs (docs/vectors.md).

Usage: /usr/bin/python3 scripts/vectors_torch.py --dir DIR [--device cpu|cuda|mps]

Reads DIR/manifest.json (written by `softcheck vectors export`), computes every case with
PyTorch on the chosen device in the case's own dtype, and writes the output files the
manifest names:
  softmax        torch.softmax(x, dim=-1)
  log_softmax    torch.log_softmax(x, dim=-1)
  logsumexp      torch.logsumexp(x, dim=-1)                          shape (rows,)
  cross_entropy  torch.nn.functional.cross_entropy(x, t, reduction='none') as the loss and
                 its gradient d(sum of the losses)/dx by autograd: softmax - onehot per row,
                 not divided by the number of rows.
  softmax_backward      torch._softmax_backward_data(dy, y, -1, dtype): what autograd runs
                        for softmax's backward, on the stored y and dy
  log_softmax_backward  torch._log_softmax_backward_data(dy, log_y, -1, dtype)
  stablemax, log_stablemax, stablemax_cross_entropy: skipped (PyTorch has no StableMax op),
  as is any other op of the manifest that this script does not map to PyTorch.
  attention      one head per case: torch.nn.functional.scaled_dot_product_attention where the
                 installed torch has it (scale= passed exactly from torch 2.1; before, only
                 cases whose scale is exactly 1/sqrt(d) in double run), else libtorch 1.13's
                 math path torch.ops.aten._scaled_dot_product_attention_math (no scale
                 argument: the same rule). Boolean masks go as bool attn_mask (True =
                 attended), additive ones as the bias tensor. Cases with a softcap (torch has
                 none) or another scale are skipped, with the reason. O is written; the LSE is
                 not (torch returns none). What a fully masked row holds (nan, zero or uniform)
                 is probed on the device and declared in the manifest's "attention", with the
                 formats: accumulation f64 for f64, else f32; P rounded to bf16/f16 in those.
bf16 logits are stored as uint16 bit patterns; they are viewed as torch.bfloat16 and the
outputs written back as bit patterns. A case the device cannot run in its dtype (e.g. an op
with no f16 CPU kernel) gets no output file and "skipped": "<reason>" in the manifest. The
script sets "name": "torch" and "algorithm": "torch-<device>" in the manifest, so
`softcheck vectors check --dir DIR` names the kernels vectors:torch/<op>/<dtype>/torch-<device>.
Needs python3-torch and python3-numpy (Debian); exits 2 with one line on bad input.
"""
import argparse
import collections
import json
import math
import os
import re
import sys

MANIFEST = "manifest.json"
NPY_DTYPES = {"f64": "<f8", "f32": "<f4", "f16": "<f2", "bf16": "<u2"}
TORCH_OPS = ("softmax", "log_softmax", "logsumexp", "cross_entropy", "softmax_backward",
             "log_softmax_backward")  # compute() maps them
# The backward ops' stored inputs besides the logits, by manifest field (docs/backward.md).
BACKWARD_INPUTS = {"softmax_backward": ("y", "dy"), "log_softmax_backward": ("log_y", "dy")}


def fail(message):
    print(f"vectors_torch: error: {message}", file=sys.stderr)
    sys.exit(2)


def torch_dtype(torch, dtype):
    return {"f64": torch.float64, "f32": torch.float32, "f16": torch.float16,
            "bf16": torch.bfloat16}[dtype]


def to_tensor(torch, np, array, dtype, device):
    """The stored logits as a tensor of the case's dtype on the device (bf16 from its bits)."""
    if dtype == "bf16":
        bits = np.ascontiguousarray(array).view(np.int16)
        return torch.from_numpy(bits).view(torch.bfloat16).to(device)
    return torch.from_numpy(np.ascontiguousarray(array)).to(device)


def to_numpy(torch, np, tensor, dtype):
    """A result tensor as the .npy array of the case's dtype (bf16 as uint16 bit patterns)."""
    tensor = tensor.detach().to("cpu").contiguous()
    if tensor.dtype != torch_dtype(torch, dtype):
        raise RuntimeError(f"PyTorch returned {tensor.dtype}, not {dtype}")
    if dtype == "bf16":
        return tensor.view(torch.int16).numpy().view(np.uint16)
    return tensor.numpy()


def compute(torch, x, op, target, inputs):
    """(output, loss or None) of one case; raises RuntimeError where the device lacks the op.
    inputs: the backward ops' forward output and dy, as tensors."""
    if op == "softmax_backward":
        y, dy = inputs
        return torch._softmax_backward_data(dy, y, -1, y.dtype), None
    if op == "log_softmax_backward":
        log_y, dy = inputs
        return torch._log_softmax_backward_data(dy, log_y, -1, log_y.dtype), None
    if op == "softmax":
        return torch.softmax(x, dim=-1), None
    if op == "log_softmax":
        return torch.log_softmax(x, dim=-1), None
    if op == "logsumexp":
        return torch.logsumexp(x, dim=-1), None
    if op == "cross_entropy":
        logits = x.detach().clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(logits, target, reduction="none")
        loss.sum().backward()
        return logits.grad, loss
    raise ValueError(f"unknown op {op!r}")


def torch_version(torch):
    found = re.match(r"(\d+)\.(\d+)", torch.__version__)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


class Attention:
    """The attention function of the installed torch, and what it cannot take."""

    def __init__(self, torch, device):
        self.torch, self.device = torch, device
        self.sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
        self.takes_scale = self.sdpa is not None and torch_version(torch) >= (2, 1)
        self.math = None
        if self.sdpa is None:
            try:
                self.math = torch.ops.aten._scaled_dot_product_attention_math
            except (AttributeError, RuntimeError):
                self.math = None
        self.name = ("scaled_dot_product_attention" if self.sdpa is not None else
                     "aten._scaled_dot_product_attention_math" if self.math is not None else None)

    def refuses(self, case):
        """Why this torch cannot run the case as given, or None."""
        version = f"torch {self.torch.__version__}"
        if self.name is None:
            return f"{version}: no scaled_dot_product_attention and no _scaled_dot_product_attention_math"
        if float.fromhex(case["softcap"]) != 0.0:
            return f"{version}: {self.name} has no softcap"
        if case["lk"] == 0:
            return f"{version}: no keys (lk = 0)"
        if not self.takes_scale and float.fromhex(case["scale"]) != 1.0 / math.sqrt(case["d"]):
            return (f"{version}: {self.name} takes no scale (torch >= 2.1 does) and the case's "
                    f"scale is not 1/sqrt(d); scaling Q would add a rounding of the script's own")
        return None

    def __call__(self, q, k, v, mask, scale):
        """O of one head: q (lq, d), k and v (lk, d), mask bool (True = attended) or additive."""
        q, k, v = q[None, None], k[None, None], v[None, None]
        if mask is not None:
            mask = mask[None, None]
        if self.sdpa is not None:
            if self.takes_scale:
                out = self.sdpa(q, k, v, attn_mask=mask, dropout_p=0.0, scale=scale)
            else:
                out = self.sdpa(q, k, v, attn_mask=mask, dropout_p=0.0)
        else:
            out, _ = self.math(q, k, v, mask, 0.0, False, False)
        return out[0, 0]

    def masked_row(self):
        """What a fully masked row gives on this device (f32): "nan", "zero" or "uniform"."""
        torch = self.torch
        q = torch.ones(2, 4, device=self.device)
        k = torch.arange(12, dtype=torch.float32, device=self.device).reshape(3, 4) / 8
        v = torch.arange(12, dtype=torch.float32, device=self.device).reshape(3, 4)
        mask = torch.tensor([[True, True, False], [False, False, False]], device=self.device)
        row = self(q, k, v, mask, 0.5)[1].to("cpu")
        if torch.isnan(row).all():
            return "nan"
        if (row == 0).all():
            return "zero"
        if torch.allclose(row, v.to("cpu").mean(0)):
            return "uniform"
        raise RuntimeError(f"{self.name}: a fully masked row gives {row.tolist()}, "
                           "neither NaN, zero nor the mean of V")


ATTENTION_FORMATS = {"f64": {"accumulation": "f64", "p": "none"},
                     "f32": {"accumulation": "f32", "p": "none"},
                     "bf16": {"accumulation": "f32", "p": "bf16"},
                     "f16": {"accumulation": "f32", "p": "f16"}}


def load_input(np, directory, path, descr):
    try:
        array = np.load(os.path.join(directory, path), allow_pickle=False)
    except (OSError, ValueError) as error:
        fail(f"{path}: {first_line(error)}")
    if array.dtype.str != descr:
        fail(f"{path}: dtype {array.dtype.str}, expected {descr}")
    return array


def run_attention(torch, np, directory, case, device, attention):
    """Writes the case's O; returns None, or the reason it was skipped."""
    reason = attention.refuses(case)
    if reason:
        return reason
    dtype = case["dtype"]
    descr = NPY_DTYPES[dtype]
    q, k, v = (to_tensor(torch, np, load_input(np, directory, case[key], descr), dtype, device)
               for key in ("q", "k", "v"))
    if case["mask"]["additive"]:
        mask = to_tensor(torch, np, load_input(np, directory, case["bias"], descr), dtype, device)
    else:
        keep = load_input(np, directory, case["keep"], "|b1")
        mask = None if keep.all() else torch.from_numpy(keep).to(device)
    try:
        with torch.no_grad():
            out = to_numpy(torch, np, attention(q, k, v, mask, float.fromhex(case["scale"])), dtype)
    except (RuntimeError, TypeError, NotImplementedError) as error:
        return f"torch {torch.__version__} on {device}: {first_line(error)}"
    full = os.path.join(directory, case["output"])
    os.makedirs(os.path.dirname(full), exist_ok=True)
    np.save(full, out, allow_pickle=False)
    return None


def first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def run_case(torch, np, directory, case, device):
    """Writes the case's output files; returns None, or the reason it was skipped."""
    dtype, op = case["dtype"], case["op"]
    if op not in TORCH_OPS:
        return f"torch {torch.__version__}: PyTorch has no {op} op"
    x = np.load(os.path.join(directory, case["input"]))
    if x.dtype.str != NPY_DTYPES[dtype]:
        fail(f"{case['input']}: dtype {x.dtype.str}, expected {NPY_DTYPES[dtype]}")
    target = None
    if op == "cross_entropy":
        target = torch.from_numpy(np.load(os.path.join(directory, case["target"]))).to(device)
    inputs = [to_tensor(torch, np, load_input(np, directory, case[field], NPY_DTYPES[dtype]),
                        dtype, device)
              for field in BACKWARD_INPUTS.get(op, ())]
    try:
        out, loss = compute(torch, to_tensor(torch, np, x, dtype, device), op, target, inputs)
        results = [(case["output"], to_numpy(torch, np, out, dtype))]
        if loss is not None:
            results.append((case["loss"], to_numpy(torch, np, loss, dtype)))
    except (RuntimeError, TypeError, NotImplementedError) as error:
        # e.g. "... not implemented for 'Half'" (CPU f16), or no float64 on MPS (TypeError)
        return f"torch {torch.__version__} on {device}: {first_line(error)}"
    for path, array in results:
        full = os.path.join(directory, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        np.save(full, array, allow_pickle=False)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="directory written by softcheck vectors export")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda, mps, ...")
    args = parser.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as error:
        fail(f"needs numpy and torch ({error})")
    path = os.path.join(args.dir, MANIFEST)
    try:
        with open(path) as file:
            manifest = json.load(file)
    except (OSError, ValueError) as error:
        fail(f"{path}: {error}")
    if manifest.get("format") != "softcheck-vectors" or manifest.get("version") != 1:
        fail(f"{path}: not a version 1 softcheck-vectors manifest")
    try:
        device = torch.device(args.device)
        torch.empty(1, device=device)
    except RuntimeError as error:
        fail(f"device {args.device!r} is not available: {first_line(error)}")

    attention = Attention(torch, device)
    reasons = collections.Counter()
    skipped = 0
    for case in manifest["cases"]:
        case.pop("skipped", None)
        for key in ("output", "loss", "lse"):  # no stale output from an earlier run
            if case.get(key) and os.path.exists(os.path.join(args.dir, case[key])):
                os.remove(os.path.join(args.dir, case[key]))
        if case["op"] == "attention":
            reason = run_attention(torch, np, args.dir, case, device, attention)
        else:
            reason = run_case(torch, np, args.dir, case, device)
        if reason:
            case["skipped"] = reason
            reasons[(case["op"], case["dtype"], reason)] += 1
            skipped += 1
    if any(case["op"] == "attention" for case in manifest["cases"]) and attention.name:
        try:
            masked_row = attention.masked_row()
        except (RuntimeError, TypeError, NotImplementedError) as error:
            fail(f"cannot tell what a fully masked row gives: {first_line(error)}")
        manifest["attention"] = {"masked_row": masked_row, "masked_row_lse": "-inf",
                                 "formats": ATTENTION_FORMATS}
    manifest["name"] = "torch"
    manifest["algorithm"] = f"torch-{device.type}"
    manifest["framework"] = {"torch": torch.__version__, "device": str(device)}
    with open(path, "w") as file:
        json.dump(manifest, file, indent=1)
        file.write("\n")
    print(f"vectors_torch: {len(manifest['cases']) - skipped} cases written, {skipped} skipped "
          f"(torch {torch.__version__}, {device})")
    for (op, dtype, reason), count in sorted(reasons.items()):
        print(f"  skipped {count} {op} {dtype} cases: {reason}")


if __name__ == "__main__":
    main()
