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
  stablemax, log_stablemax, stablemax_cross_entropy: skipped (PyTorch has no StableMax op),
  as is any other op of the manifest that this script does not map to PyTorch.
bf16 logits are stored as uint16 bit patterns; they are viewed as torch.bfloat16 and the
outputs written back as bit patterns. A case the device cannot run in its dtype (e.g. an op
with no f16 CPU kernel) gets no output file and "skipped": "<reason>" in the manifest. The
script sets "name": "torch" and "algorithm": "torch-<device>" in the manifest, so
`softcheck vectors check --dir DIR` names the kernels vectors:torch/<op>/<dtype>/torch-<device>.
Needs python3-torch and python3-numpy (Debian); exits 2 with one line on bad input.
"""
import argparse
import json
import os
import sys

MANIFEST = "manifest.json"
NPY_DTYPES = {"f64": "<f8", "f32": "<f4", "f16": "<f2", "bf16": "<u2"}
TORCH_OPS = ("softmax", "log_softmax", "logsumexp", "cross_entropy")  # compute() maps them


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


def compute(torch, x, op, target):
    """(output, loss or None) of one case; raises RuntimeError where the device lacks the op."""
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
    try:
        out, loss = compute(torch, to_tensor(torch, np, x, dtype, device), op, target)
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

    skipped = 0
    for case in manifest["cases"]:
        case.pop("skipped", None)
        for key in ("output", "loss"):  # no stale output from an earlier run
            if case.get(key) and os.path.exists(os.path.join(args.dir, case[key])):
                os.remove(os.path.join(args.dir, case[key]))
        reason = run_case(torch, np, args.dir, case, device)
        if reason:
            case["skipped"] = reason
            skipped += 1
    manifest["name"] = "torch"
    manifest["algorithm"] = f"torch-{device.type}"
    manifest["framework"] = {"torch": torch.__version__, "device": str(device)}
    with open(path, "w") as file:
        json.dump(manifest, file, indent=1)
        file.write("\n")
    print(f"vectors_torch: {len(manifest['cases']) - skipped} cases written, {skipped} skipped "
          f"(torch {torch.__version__}, {device})")


if __name__ == "__main__":
    main()
