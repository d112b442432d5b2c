"""softcheck from Python: correctly rounded references, the kernels under test, the gate,
the softmax-collapse sweep and the Taylor radius of the line loss (the "ghosts of softmax"),
on numpy arrays.

The compiled core is the extension ``_softcheck`` that the CMake build writes to
``<build>/python/`` (``cmake --build --preset default`` builds it when pybind11 is found).
This package loads it from, in order: ``$SOFTCHECK_PYTHON_DIR``,
``$SOFTCHECK_BUILD_DIR/python``, the package's own directory (where ``pip install
--no-build-isolation .`` puts it) and ``build/python`` next to this package (the repository's
default build). So after the README's quick start, ``/usr/bin/python3 -c "import softcheck"``
works from the repository root; elsewhere, install the package (docs/python.md) or put the
repository root on ``PYTHONPATH``.

Arrays: logits are float64 numpy arrays, one row (shape ``(n,)``) or a batch (shape
``(rows, n)``); values are rounded to the format under test first, exactly as the command
line does. Results are float64 arrays with the same row layout.
"""
from __future__ import annotations

import glob as _glob
import importlib.util as _importlib_util
import json as _json
import os as _os
import sys as _sys
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as _np

_PACKAGE_DIR = _os.path.dirname(_os.path.abspath(__file__))
_REPOSITORY = _os.path.dirname(_PACKAGE_DIR)


def _candidate_dirs() -> List[str]:
    dirs = []
    if _os.environ.get("SOFTCHECK_PYTHON_DIR"):
        dirs.append(_os.environ["SOFTCHECK_PYTHON_DIR"])
    if _os.environ.get("SOFTCHECK_BUILD_DIR"):
        dirs.append(_os.path.join(_os.environ["SOFTCHECK_BUILD_DIR"], "python"))
    dirs.append(_PACKAGE_DIR)  # an installed package (pip install .) holds it beside itself
    dirs.append(_os.path.join(_REPOSITORY, "build", "python"))
    return dirs


def _load_extension():
    tried = []
    for directory in _candidate_dirs():
        for path in sorted(_glob.glob(_os.path.join(directory, "_softcheck*.so"))):
            spec = _importlib_util.spec_from_file_location(__name__ + "._softcheck", path)
            module = _importlib_util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _sys.modules[__name__ + "._softcheck"] = module
            return module
        tried.append(directory)
    raise ImportError(
        "softcheck: the compiled module _softcheck*.so was not found in " + ", ".join(tried) +
        "; build it with `cmake --preset default && cmake --build --preset default` (needs "
        "pybind11-dev), or point SOFTCHECK_BUILD_DIR at your build directory")


_TORCH_MODULE = _os.path.join(_PACKAGE_DIR, "libsoftcheck_torch.so")
if _os.path.exists(_TORCH_MODULE):  # an installed package carries the libtorch adapter's module
    _os.environ.setdefault("SOFTCHECK_TORCH_MODULE", _TORCH_MODULE)

_core = _load_extension()

__version__: str = _core.__version__
#: True when the build has Arb: certified_radius, ghosts and taylor_coefficients exist.
has_arb: bool = bool(_core.has_arb)

Array = _np.ndarray
Target = Union[None, int, Sequence[int], _np.ndarray]


# --- references and kernels ----------------------------------------------------------------

def reference(op: str, logits: Any, dtype: str = "f64", target: Target = None, *,
              tau: float = 1.0, temperature: float = 1.0, a: float = 1.0,
              b: float = 1.0, inputs: Optional[Dict[str, Any]] = None
              ) -> Union[Array, float, Tuple[Union[float, Array], Array]]:
    """The correctly rounded reference of ``op`` in ``dtype`` (f64, f32, bf16, f16).

    op: any op of ``ops()`` whose inputs are the logits and the target, e.g. softmax,
    log_softmax, logsumexp, cross_entropy, the StableMax ops, comp_sum (``tau``),
    sigmoid_bce, temperature_cross_entropy (``temperature``) or z_loss (``a``, ``b``). Returns the output array for the softmax-like
    ops, the value for logsumexp (an array of one per row for a batch), and ``(loss,
    gradient)`` for the losses. ``target`` is the class of each row (an int or one per row).
    ``inputs``: the op's other inputs (``ops()``' "inputs" besides "input" and "target"), by
    name, each shaped like ``logits``.
    """
    others = {k: _np.asarray(v, dtype=_np.float64) for k, v in (inputs or {}).items()}
    return _core.reference(op, _np.asarray(logits, dtype=_np.float64), dtype, target, tau,
                           temperature, a, b, others)


def round_to_format(x: Any, dtype: str) -> Array:
    """x rounded to the nearest value of dtype (ties to even, with its subnormals and overflow)."""
    return _core.round_to_format(_np.asarray(x, dtype=_np.float64), dtype)


def format_info(dtype: str) -> Dict[str, float]:
    """precision (bits), epsilon, max_finite, min_normal and denorm_min of a format."""
    return dict(_core.format_info(dtype))


def ops() -> List[Dict[str, Any]]:
    """The op table: one dict per op with its name ("op"), family, inputs, outputs
    ("per_element", "per_row" or "loss_and_gradient"), parameters, and whether the plugin
    ABI ("plugin_abi") and the vector files ("vector_files") carry it."""
    return list(_core.ops())


def kernels(glob: str = "*") -> List[Dict[str, str]]:
    """The registered kernels whose name (provider/op/format/algorithm) matches ``glob``:
    built-in, and oneDNN, XNNPACK and libtorch where compiled in, attention kernels included.
    Each is a dict with name, op, format, algorithm and provider."""
    return list(_core.kernels(glob))


def run_kernel(kernel: str, logits: Any, target: Target = None
               ) -> Union[Array, float, Tuple[Union[float, Array], Array]]:
    """Runs the kernel named ``kernel`` on the logits (rounded to its format); results as
    :func:`reference` returns them, so the two compare directly. Kernels of external
    libraries run isolated in a worker process; a crash raises RuntimeError."""
    return _core.run_kernel(kernel, _np.asarray(logits, dtype=_np.float64), target)


def families() -> List[Tuple[str, str]]:
    """The gate's named input families: (name, description)."""
    return list(_core.families())


# --- the gate ------------------------------------------------------------------------------

def gate(kernels: Union[str, Sequence[str]], suite: str = "quick", seed: int = 1,
         strict: bool = False, threads: int = 2, contracts: Sequence[str] = ()) -> Dict[str, Any]:
    """Runs the gate on the kernels matching the glob(s), as ``softcheck gate --json``: a dict
    with suite, seed, passed, and per kernel its verdict, contract, checks and reproducers;
    attention kernels (``builtin/attention/*``) under "attention" (docs/attention.md)."""
    globs = [kernels] if isinstance(kernels, str) else list(kernels)
    return _json.loads(_core.gate_json(globs, suite, seed, strict, threads, list(contracts)))


def gate_callable(fn, op: str, dtypes: Union[str, Sequence[str]] = ("f64", "f32", "bf16", "f16"),
                  suite: str = "quick", seed: int = 1, contract: Any = None,
                  isolate: bool = False, *, tensors: str = "numpy", device: str = "cpu",
                  timeout: float = 60.0, strict: bool = False, threads: int = 2,
                  parameters: Optional[Dict[str, float]] = None,
                  name: Optional[str] = None,
                  attention: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Runs the gate on a Python function as the kernel of ``op`` in each of ``dtypes``:
    the same result document as :func:`gate`, its kernels named
    ``python/<op>/<dtype>/<name>`` (``name``: the function's qualified name by default).

    The calling convention per op is in ``softcheck.python_kernels`` (e.g. softmax:
    ``fn(x) -> y``; cross_entropy: ``fn(x, target) -> (loss, gradient)``). Arrays are numpy
    in the format (bf16 as uint16 bit patterns; see ``softcheck.numpy_bf16``), or torch
    tensors on ``device`` with ``tensors="torch"``. A call that raises, returns the wrong
    type, shape or dtype, or writes into its inputs is recorded as a ``crash`` of that batch
    with the reason, and the gate goes on.

    contract: contract file name(s) and/or dicts of contract fields for this function's
    kernels (docs/contracts.md), on top of the built-in defaults (``strict``: without the
    providers' declared properties). parameters: the loss family's tau, a, b, temperature.
    isolate: run the function in a worker process (spawned interpreter), so that a crash or a
    call running past ``timeout`` seconds is recorded instead of ending this one; the
    function must then be importable by name (defined at the top level of a module), not a
    lambda or a local function.

    attention (op "attention" only): what the kernel declares, which sets its derived
    contract - "accumulation" (f32 or f64; default f32, f64 for f64), "p" (the format P is
    rounded to before P·V: none, bf16, f16, e4m3, e5m2; default none), "masked_row" (what a
    fully masked query row holds: nan, zero or uniform; default nan) and "softcap" (True: the
    function takes the softcap as a sixth argument; otherwise softcapped cases are skipped
    as refused). The results are under the document's "attention", as for attention kernels
    in :func:`gate`.
    """
    from . import python_kernels
    return python_kernels.gate_callable(
        _core, ops(), fn, op, dtypes, suite, seed, contract, isolate, tensors=tensors,
        device=device, timeout=timeout, strict=strict, threads=threads,
        parameters=parameters, name=name, attention=attention)


def load_gate(path: str) -> Dict[str, Any]:
    """A gate JSON document (``softcheck gate --json FILE``, or report.json's "gate")."""
    with open(path) as f:
        document = _json.load(f)
    return document["gate"] if "gate" in document and "kernels" not in document else document


def violations(gate_result: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every reproducer of a gate result, each with its kernel's verdict added."""
    out = []
    for kernel in gate_result["kernels"]:
        for violation in kernel["reproducers"]:
            out.append({**violation, "verdict": kernel["verdict"]})
    return out


def replay(violation: Dict[str, Any], gate_result: Optional[Dict[str, Any]] = None, *,
           suite: Optional[str] = None, seed: Optional[int] = None) -> Dict[str, Any]:
    """Replays one reproducer in one call: regenerates the row the gate saw (family, batch,
    row under the gate's suite and seed), runs the kernel on it and computes the correctly
    rounded reference. Returns a dict with logits, target, output and reference (as
    :func:`run_kernel` and :func:`reference` give them), and got/expected at the violating
    element."""
    suite = suite or (gate_result or {}).get("suite", "default")
    seed = seed if seed is not None else (gate_result or {}).get("seed", 1)
    row = dict(_core.replay_row(violation["kernel"], violation["family"], suite, int(seed),
                                int(violation["batch"]), int(violation["row"])))
    element = int(violation["element"])
    output, exact = row["output"], row["reference"]
    if isinstance(output, tuple):  # (loss, gradient)
        pick = (lambda pair: pair[0]) if violation["output"] == "loss" else (lambda pair: pair[1][element])
    elif _np.ndim(output) == 0:
        pick = lambda value: value  # noqa: E731
    else:
        pick = lambda values: values[element]  # noqa: E731
    row["got"], row["expected"] = float(pick(output)), float(pick(exact))
    row["suite"], row["seed"] = suite, seed
    return row


# --- the Taylor radius and the safe-step controller ----------------------------------------

def spread(direction: Any) -> float:
    """Delta_a = max a - min a of the directional derivatives, rounded up."""
    return _core.spread(_np.asarray(direction, dtype=_np.float64))


def rho_a(direction: Any) -> float:
    """rho_a = pi / Delta_a, a lower bound on the Taylor radius rho*, rounded down
    (inf when every a_k is equal)."""
    return _core.rho_a(_np.asarray(direction, dtype=_np.float64))


def batch_rho_a(directions: Any) -> float:
    """The batch bound pi / max over rows of Delta_a for a (rows, n) array of directional
    derivatives a = J_z v (the controller's quantity)."""
    return _core.batch_rho_a(_np.ascontiguousarray(directions, dtype=_np.float64))


def binary_radius(z1: float, z2: float, a1: float, a2: float) -> float:
    """The exact two-class radius sqrt(delta^2 + pi^2) / |a1 - a2|, delta = z1 - z2."""
    return _core.binary_radius(z1, z2, a1, a2)


def normalised_step(tau: float, rho_a: float) -> float:
    """r = tau / rho_a, rounded up (r < 1: the step is inside the guaranteed radius)."""
    return _core.normalised_step(tau, rho_a)


def directional_derivatives(jacobian: Any, v: Any) -> Array:
    """a = J_z v: the derivative of the logits along a parameter direction v, for a Jacobian
    of shape (rows, n, parameters) (or (n, parameters) for one row)."""
    return _np.asarray(jacobian, dtype=_np.float64) @ _np.asarray(v, dtype=_np.float64)


def controller_step(update: Any, directions: Any) -> Dict[str, float]:
    """The safe-step controller's record for a proposed update p whose directions
    a = J_z (p/|p|) are given as a (rows, n) array: tau = |p|, rho_a (batch), r = tau/rho_a,
    the scale min(1, rho_a/tau) applied to p, and the applied length."""
    tau = float(_np.linalg.norm(_np.asarray(update, dtype=_np.float64)))
    bound = batch_rho_a(_np.atleast_2d(directions))
    scale = 1.0 if tau == 0 or tau <= bound else bound / tau
    return {"tau": tau, "rho_a": bound, "r": normalised_step(tau, bound), "scale": scale,
            "applied": scale * tau}


def line_loss(logits: Any, direction: Any, target: int, t: Any) -> Array:
    """The linearised line loss L(t) = -a_y t + log sum_k exp(z_k + a_k t) - (its value at 0),
    at real or complex t (numpy broadcasting over t)."""
    z = _np.asarray(logits, dtype=_np.float64)
    a = _np.asarray(direction, dtype=_np.float64)
    t = _np.asarray(t)
    m = z.max()
    terms = _np.exp((z - m)[:, None] + a[:, None] * _np.ravel(t)[None, :])
    value = -a[target] * _np.ravel(t) + _np.log(terms.sum(axis=0)) - _np.log(_np.exp(z - m).sum())
    return value.reshape(t.shape)


def taylor_polynomial(coefficients: Any, t: Any, degree: int) -> Array:
    """sum_{k <= degree} c_k t^k (c from :func:`taylor_coefficients`)."""
    c = _np.asarray(coefficients)[: degree + 1]
    return _np.polynomial.polynomial.polyval(_np.asarray(t), c)


def certified_radius(logits: Any, direction: Any) -> Dict[str, Any]:
    """The exact Taylor radius rho* certified in Arb: status, lo <= rho* <= hi, rho_a, the
    method, and the nearest zeros of F (the ghosts) as complex numbers."""
    _need_arb("certified_radius")
    return dict(_core.certified_radius(_np.asarray(logits, dtype=_np.float64),
                                       _np.asarray(direction, dtype=_np.float64)))


def ghosts(logits: Any, direction: Any, radius: float) -> Dict[str, Any]:
    """The certified zeros of F(t) = sum_k exp(z_k + a_k t) with |t| <= radius ("zeros", a
    complex array by modulus) and whether the list is complete ("complete")."""
    _need_arb("ghosts")
    return dict(_core.ghosts(_np.asarray(logits, dtype=_np.float64),
                             _np.asarray(direction, dtype=_np.float64), float(radius)))


def taylor_coefficients(logits: Any, direction: Any, target: int, order: int) -> Array:
    """c_0 .. c_order of the line loss -a_y t + log F(t) at t = 0 (exact in Arb, rounded)."""
    _need_arb("taylor_coefficients")
    return _core.taylor_coefficients(_np.asarray(logits, dtype=_np.float64),
                                     _np.asarray(direction, dtype=_np.float64), int(target), int(order))


def _need_arb(name: str) -> None:
    if not has_arb:
        raise RuntimeError(f"softcheck.{name} needs Arb (libflint-arb-dev); this build has none")


# --- softmax collapse ----------------------------------------------------------------------

def collapse_sweep(kernel: str, classes: int = 10, layout: str = "zeros", target: str = "first",
                   seed: int = 1) -> Dict[str, Any]:
    """Where the cross-entropy kernel's loss and target gradient become exactly 0 (softmax
    collapse) on confident rows of ``classes`` classes, as ``softcheck collapse`` measures it:
    onsets (loss, gradient, and the sign-counting variants), the reference's zeros, and the
    theory (plain_sum, output_underflow, the model's onset)."""
    return dict(_core.collapse_sweep(kernel, classes, layout, target, seed))


def confident_rows(gaps: Any, classes: int, dtype: str = "f64") -> Array:
    """Rows (len(gaps), classes): target logit g at index 0, competitors 0 (the "zeros"
    layout of the collapse sweep), rounded to dtype."""
    g = round_to_format(_np.asarray(gaps, dtype=_np.float64), dtype)
    rows = _np.zeros((g.size, classes))
    rows[:, 0] = g
    return rows


__all__ = [
    "__version__", "has_arb", "ops", "reference", "round_to_format", "format_info", "kernels",
    "run_kernel", "families", "gate", "load_gate", "violations", "replay", "spread", "rho_a",
    "batch_rho_a", "binary_radius", "normalised_step", "directional_derivatives",
    "controller_step", "line_loss", "taylor_polynomial", "certified_radius", "ghosts",
    "taylor_coefficients", "collapse_sweep", "confident_rows",
]
