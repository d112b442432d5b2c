"""The gate on a Python function: softcheck.gate_callable (re-exported by the package).

The function is called on the gate's input families for its op, one batch of rows per call,
with the op's inputs as positional arguments in the op table's order (softcheck.ops()):

  softmax, log_softmax, stablemax, log_stablemax, the normalisers, temperature_softmax
      fn(x) -> array shaped like x (rows, n)
  logsumexp
      fn(x) -> array of shape (rows,)
  cross_entropy, stablemax_cross_entropy, comp_sum, sigmoid_bce,
  temperature_cross_entropy, z_loss
      fn(x, target) -> (loss of shape (rows,), gradient of the summed loss, shaped like x);
      target: int64, one class per row
  softmax_backward          fn(y, dy) -> dx shaped like y
  log_softmax_backward      fn(log_y, dy) -> dx shaped like log_y
  attention                 fn(q, k, v, mask, scale) -> O (one head: q (lq, d), k and v
      (lk, d); mask None, a bool (lq, lk) array with True where attended, or an additive bias
      (lq, lk) in the format; scale a float), with softcap as a sixth argument when
      attention={"softcap": True}

Inputs and outputs are in the format under test: numpy float64, float32 or float16, and bf16
as uint16 bit patterns (numpy has no bfloat16; softcheck.numpy_bf16 converts); with
tensors="torch", torch tensors of that dtype (torch.bfloat16 for bf16) on `device`.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _invoke

#: Every format the gate checks; the default of gate_callable's dtypes.
ALL_DTYPES = ("f64", "f32", "bf16", "f16")

Contract = Union[None, str, Mapping[str, Any], Sequence[Union[str, Mapping[str, Any]]]]


def kernel_name(fn: Callable, name: Optional[str] = None) -> str:
    """The algorithm part of the kernel's name, python/<op>/<dtype>/<this>: `name`, else the
    function's qualified name ("<lambda>" becomes "lambda"), with characters outside
    [A-Za-z0-9_.-] replaced by '-'."""
    text = name if name is not None else getattr(fn, "__qualname__", type(fn).__name__)
    text = text.replace("<lambda>", "lambda").replace("<locals>", "locals")
    text = re.sub(r"[^A-Za-z0-9_.-]", "-", text).strip("-")
    return text or "callable"


def _contract_parts(contract: Contract, op: str, algorithm: str):
    """(contract files, rules JSON): a str is a contract file (docs/contracts.md); a mapping
    is a rule's fields for this function's kernels."""
    items = [] if contract is None else \
        [contract] if isinstance(contract, (str, Mapping)) else list(contract)
    files: List[str] = []
    rules: List[Dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            files.append(item)
        elif isinstance(item, Mapping):
            rules.append({"kernel": f"python/{op}/*/{algorithm}", **dict(item)})
        else:
            raise TypeError(f"contract: expected a file name or a dict of fields, not {type(item).__name__}")
    return files, json.dumps({"rules": rules}) if rules else ""


def gate_callable(core, ops: List[Dict[str, Any]], fn: Callable, op: str,
                  dtypes: Sequence[str] = ALL_DTYPES, suite: str = "quick", seed: int = 1,
                  contract: Contract = None, isolate: bool = False, *, tensors: str = "numpy",
                  device: str = "cpu", timeout: float = 60.0, strict: bool = False,
                  threads: int = 2, parameters: Optional[Mapping[str, float]] = None,
                  name: Optional[str] = None,
                  attention: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """See softcheck.gate_callable; `core` is the compiled module, `ops` its op table."""
    spec = next((o for o in ops if o["op"] == op), None)
    if spec is None:
        raise ValueError(f"unknown op {op!r} (expected one of {', '.join(o['op'] for o in ops)})")
    if spec["outputs"] not in _invoke.RETURNS:
        raise ValueError(f"gate_callable: {op} is not supported (its outputs are "
                         f"{spec['outputs']}); export vector files and check them instead")
    if op == "attention" and contract is not None:
        raise ValueError("gate_callable: attention's contract is derived from the declared "
                         "formats (attention={'accumulation': ..., 'p': ...}); contract= does not apply")
    if op != "attention" and attention:
        raise ValueError("gate_callable: attention= applies to op 'attention' only")
    dtypes = [dtypes] if isinstance(dtypes, str) else list(dtypes)
    unknown = [d for d in dtypes if d not in _invoke.STORAGE]
    if unknown or not dtypes:
        raise ValueError(f"dtypes: {', '.join(unknown) or 'none given'}; expected some of f64, f32, bf16, f16")
    algorithm = kernel_name(fn, name)
    files, rules = _contract_parts(contract, op, algorithm)
    if tensors not in ("numpy", "torch"):
        raise ValueError(f"tensors must be 'numpy' or 'torch', not {tensors!r}")
    if tensors == "torch":
        _invoke._Torch(device)  # torch importable and the device there, before the run
    worker = _invoke.WorkerProcess(fn, tensors, device, timeout) if isolate else None
    invokers = {}
    for dtype in dict.fromkeys(dtypes):
        signature = _invoke.Signature(op, spec["inputs"], spec["outputs"], dtype)
        invokers[dtype] = (_invoke.Isolated(worker, signature) if worker
                           else _invoke.InProcess(fn, signature, tensors, device))
    command = (f"softcheck.gate_callable({algorithm}, {op!r}, dtypes={list(invokers)!r}, "
               f"suite={suite!r}, seed={seed}" + (", isolate=True" if isolate else "") +
               (f", tensors={tensors!r}, device={device!r}" if tensors != "numpy" else "") +
               (", strict=True" if strict else "") + ")")
    try:
        text = core.gate_callable_json(invokers, op, algorithm, suite, seed, strict, threads,
                                       files, rules, dict(parameters or {}),
                                       dict(attention or {}), command)
    finally:
        if worker:
            worker.close()
    return json.loads(text)
