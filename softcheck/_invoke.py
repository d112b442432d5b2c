"""Calls a Python kernel on one batch of the gate's inputs (softcheck.gate_callable).

The compiled gate hands an invoker the op's inputs as numpy arrays in the storage type of
the format (float64, float32, float16; bf16 as uint16 bit patterns, as in the vector files)
and the targets as int64. The invoker gives them to the function (as torch tensors on the
requested device when asked), checks what comes back and returns numpy arrays in the same
storage types. Whatever the function does wrong in one call - it raises, returns the wrong
type, shape or dtype, writes into its inputs, or (in a worker process) crashes or runs past
the time limit - is a CallFailure with one line saying so; the gate records it against that
batch and goes on.

This module does not load the compiled extension: worker processes import it alone.
"""
from __future__ import annotations

import multiprocessing
import pickle
import signal
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

#: numpy storage type of each format (bf16: its bit patterns).
STORAGE = {"f64": np.dtype("<f8"), "f32": np.dtype("<f4"), "f16": np.dtype("<f2"),
           "bf16": np.dtype("<u2")}
#: Per op output kind (softcheck.ops()' "outputs"): what the function returns.
RETURNS = {"per_element": "an array shaped like the logits",
           "per_row": "an array of one value per row",
           "loss_and_gradient": "a pair (loss per row, gradient shaped like the logits)",
           "attention": "O, shaped (rows of q, columns of v)"}
#: What attention's function gets after the op table's inputs (q, k, v, mask).
ATTENTION_EXTRA = ("scale", "softcap")
#: Seconds a worker process gets to start (imports included) before its first call.
WORKER_START_SECONDS = 300.0


class CallFailure(Exception):
    """One call of the function under test went wrong; the message is the one line the gate
    records."""


class Signature:
    """What one call carries: the op's input names (softcheck.ops()' "inputs", "input" for
    the logits), its output kind and the format."""

    def __init__(self, op: str, inputs: Sequence[str], outputs: str, dtype: str):
        if outputs not in RETURNS:
            raise ValueError(f"op {op}: outputs {outputs!r} are not a row-wise kind")
        self.op, self.inputs, self.outputs, self.dtype = op, list(inputs), outputs, dtype
        self.storage = STORAGE[dtype]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else ""


def _torch_dtype(torch, dtype: str):
    return {"f64": torch.float64, "f32": torch.float32, "f16": torch.float16,
            "bf16": torch.bfloat16}[dtype]


class _Torch:
    """Conversions between the storage arrays and torch tensors on one device."""

    def __init__(self, device: str):
        import torch  # only when tensors="torch" was asked for
        self.torch, self.device = torch, device
        try:
            torch.empty(0, device=device)
        except (RuntimeError, AssertionError) as error:  # an unknown or absent device
            raise ValueError(f"device {device!r}: {_first_line(error)}") from None

    def tensor(self, array: np.ndarray, dtype: Optional[str]):
        """A storage array as a tensor of the format (dtype None: the int64 targets and
        boolean masks, as they are)."""
        torch = self.torch
        if dtype == "bf16":
            return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16).to(self.device)
        return torch.from_numpy(array).to(self.device)

    def storage(self, value: Any, dtype: str, what: str) -> np.ndarray:
        """A returned tensor as its storage array; CallFailure when it is not one of dtype."""
        torch = self.torch
        if not isinstance(value, torch.Tensor):
            raise CallFailure(f"returned {type(value).__name__} for {what}, not a torch.Tensor")
        if value.dtype != _torch_dtype(torch, dtype):
            raise CallFailure(f"returned {value.dtype} for {what}, expected {_torch_dtype(torch, dtype)}")
        value = value.detach().to("cpu").contiguous()
        if dtype == "bf16":
            return value.view(torch.int16).numpy().view(np.uint16)
        return value.numpy()


class InProcess:
    """Calls the function in this process."""

    def __init__(self, fn: Callable, signature: Signature, tensors: str = "numpy",
                 device: str = "cpu"):
        self.fn, self.signature = fn, signature  # tensors: checked by gate_callable
        self.torch = _Torch(device) if tensors == "torch" else None

    def __call__(self, inputs: Tuple[np.ndarray, ...]) -> Tuple[np.ndarray, ...]:
        sig = self.signature
        names = sig.inputs + list(ATTENTION_EXTRA)
        if sig.outputs == "attention":
            rows, n = inputs[0].shape[0], inputs[2].shape[1]  # (lq, d) from q and v
        else:
            rows, n = next(a.shape for a in inputs if a.ndim == 2)
        # what the inputs held, to catch writes into them
        kept = [a.copy() if isinstance(a, np.ndarray) else None for a in inputs]
        args: List[Any] = list(inputs)
        if self.torch:
            args = [self.torch.tensor(a, None if name == "target" or a.dtype == np.bool_ else sig.dtype)
                    if isinstance(a, np.ndarray) else a for a, name in zip(inputs, names)]
        try:
            result = self.fn(*args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # the function's own failure, reported per call
            raise CallFailure(f"raised {type(error).__name__}: {_first_line(error)}") from None
        self._check_inputs(names, args, kept)
        return self._outputs(result, rows, n)

    def _check_inputs(self, names: List[str], args: List[Any], kept: List[Any]) -> None:
        for name, arg, before in zip(names, args, kept):
            if before is None:
                continue
            now = arg
            if self.torch:
                now = arg.detach().to("cpu").numpy() if name == "target" or before.dtype == np.bool_ \
                    else self.torch.storage(arg, self.signature.dtype, name)
            if now.shape != before.shape or now.tobytes() != before.tobytes():
                raise CallFailure(f"wrote into its input {name!r}")

    def _outputs(self, result: Any, rows: int, n: int) -> Tuple[np.ndarray, ...]:
        sig = self.signature
        if sig.outputs == "loss_and_gradient":
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise CallFailure(f"returned {type(result).__name__}, expected {RETURNS[sig.outputs]}")
            return (self._output(result[0], (rows,), "the loss"),
                    self._output(result[1], (rows, n), "the gradient"))
        shape = (rows,) if sig.outputs == "per_row" else (rows, n)
        return (self._output(result, shape, "the output"),)

    def _output(self, value: Any, shape: Tuple[int, ...], what: str) -> np.ndarray:
        sig = self.signature
        if self.torch:
            array = self.torch.storage(value, sig.dtype, what)
        else:
            if not isinstance(value, np.ndarray):
                raise CallFailure(f"returned {type(value).__name__} for {what}, not a numpy array")
            if value.dtype != sig.storage:
                got, expected = str(value.dtype), str(sig.storage)
                if sig.dtype == "bf16":
                    expected += " (bf16 bit patterns)"
                raise CallFailure(f"returned dtype {got} for {what}, expected {expected}")
            array = value
        if tuple(array.shape) != shape:
            raise CallFailure(f"returned shape {tuple(array.shape)} for {what}, expected {shape}")
        return np.ascontiguousarray(array)


def _describe_exit(code: Optional[int]) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _worker(connection, fn: Callable, tensors: str, device: str) -> None:
    """The worker process: answers each (signature, inputs) with ("ok", outputs) or
    ("fail", message)."""
    invokers = {}
    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        signature, inputs = message
        invoker = invokers.get(signature.dtype)
        if invoker is None:
            invoker = invokers[signature.dtype] = InProcess(fn, signature, tensors, device)
        try:
            connection.send(("ok", invoker(inputs)))
        except CallFailure as failure:
            connection.send(("fail", str(failure)))


def check_importable(fn: Callable) -> None:
    """isolate=True sends the function to a fresh interpreter by name: a function defined at
    the top level of an importable module (or a picklable callable object) goes, a lambda or
    a function defined inside another does not."""
    try:
        pickle.dumps(fn)
    except Exception as error:
        name = getattr(fn, "__qualname__", type(fn).__name__)
        raise TypeError(
            f"isolate=True needs a function importable by name (defined at the top level of a "
            f"module) or a picklable callable; {name} is not ({_first_line(error)})") from None


class WorkerProcess:
    """Runs the function in a worker process (multiprocessing, spawn), one batch at a time,
    for every format. A call that crashes the worker or runs past `timeout` seconds is a
    CallFailure; the next call starts a new worker."""

    def __init__(self, fn: Callable, tensors: str = "numpy", device: str = "cpu",
                 timeout: float = 60.0):
        check_importable(fn)
        self.args = (fn, tensors, device)
        self.timeout = timeout
        self.context = multiprocessing.get_context("spawn")
        self.process = None
        self.connection = None
        self.broken: Optional[str] = None  # why the worker could not start: every call fails so

    def _start(self) -> None:
        if self.broken:
            raise CallFailure(self.broken)
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, *self.args), daemon=True)
        self.process.start()
        child.close()
        self.connection = parent
        if not parent.poll(WORKER_START_SECONDS):
            self._stop()
            self.broken = f"the worker process did not start in {WORKER_START_SECONDS:g} s"
            raise CallFailure(self.broken)
        try:
            parent.recv()
        except (EOFError, OSError):
            code = self._stop()
            self.broken = (f"the worker process {_describe_exit(code)} while starting (it could "
                           "not import the function or its module?)")
            raise CallFailure(self.broken) from None

    def _stop(self) -> Optional[int]:
        process, self.process = self.process, None
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if process is None:
            return None
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join()
        return process.exitcode

    def call(self, signature: Signature, inputs: Tuple[np.ndarray, ...]) -> Tuple[np.ndarray, ...]:
        if self.process is None or not self.process.is_alive():
            self._stop()
            self._start()
        try:
            self.connection.send((signature, inputs))
            if not self.connection.poll(self.timeout):
                self.process.kill()
                self._stop()
                raise CallFailure(f"ran past the time limit of {self.timeout:g} s (worker killed)")
            status, payload = self.connection.recv()
        except (EOFError, OSError):
            code = self._stop()
            raise CallFailure(f"crashed: the worker process {_describe_exit(code)}") from None
        if status == "fail":
            raise CallFailure(payload)
        return payload

    def close(self) -> None:
        if self.connection is not None and self.process is not None and self.process.is_alive():
            try:
                self.connection.send(None)
            except OSError:
                pass
        self._stop()


class Isolated:
    """The invoker of one format whose calls go to a (shared) WorkerProcess."""

    def __init__(self, worker: WorkerProcess, signature: Signature):
        self.worker, self.signature = worker, signature

    def __call__(self, inputs: Tuple[np.ndarray, ...]) -> Tuple[np.ndarray, ...]:
        return self.worker.call(self.signature, inputs)
