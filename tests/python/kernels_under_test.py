"""Python kernels for tests/python/test_gate_callable.py, at a module's top level so that
gate_callable(isolate=True) can send them to a worker process by name. Each computes in
float64 and rounds once to the format of its input (bf16: uint16 bit patterns), unless its
name says how it goes wrong."""
import os
import time

import numpy as np

from softcheck import numpy_bf16

# Row lengths on which the crashing and the hanging kernel misbehave: the quick suite has 9
# f32 batches of rows of 7 and one of rows of 257, so only some of its calls are hit.
CRASH_N = 7
HANG_N = 257


def widen(x):
    """The stored values as float64 (bf16 from its bits)."""
    if x.dtype == np.uint16:
        return numpy_bf16.decode(x).astype(np.float64)
    return x.astype(np.float64)


def narrow(y, like):
    """float64 results rounded once to the format of `like`."""
    if like.dtype == np.uint16:
        return numpy_bf16.encode(y)
    with np.errstate(over="ignore"):  # overflow to inf is the rounding's own result
        return y.astype(like.dtype)


def softmax64(x):
    with np.errstate(all="ignore"):
        m = np.max(x, axis=-1, keepdims=True, initial=-np.inf)
        e = np.exp(x - m)
        return e / np.sum(e, axis=-1, keepdims=True)


def softmax_rounded_once(x):
    return narrow(softmax64(widen(x)), x)


def log_softmax_as_log_of_softmax(x):
    """log(softmax(x)) in the input's own format: loses the small values near 0."""
    xf = x.astype(np.float32)
    with np.errstate(all="ignore"):
        m = np.max(xf, axis=-1, keepdims=True, initial=-np.inf)
        e = np.exp(xf - m)
        return np.log(e / np.sum(e, axis=-1, keepdims=True)).astype(x.dtype)


def cross_entropy_rounded_once(x, target):
    """(loss, gradient of the summed loss) from float64 log-sum-exp, rounded once."""
    xf = widen(x)
    with np.errstate(all="ignore"):
        m = np.max(xf, axis=-1, keepdims=True, initial=-np.inf)
        lse = m[:, 0] + np.log(np.sum(np.exp(xf - m), axis=-1))
        rows = np.arange(xf.shape[0])
        loss = lse - xf[rows, target] if xf.shape[1] else np.zeros(xf.shape[0])
        grad = softmax64(xf)
        if xf.shape[1]:
            grad[rows, target] -= 1.0
    return narrow(loss, x), narrow(grad, x)


def softmax_crashes_on_bad_n(x):
    if x.shape[-1] == CRASH_N:
        os.abort()
    return softmax_rounded_once(x)


def softmax_hangs_on_bad_n(x):
    if x.shape[-1] == HANG_N:
        time.sleep(600)
    return softmax_rounded_once(x)


def attention_rounded_once(q, k, v, mask, scale):
    """One head in float64: softmax(q k^T * scale + mask) v, rounded once (a fully masked row:
    0/0 = NaN, the default declaration)."""
    qf, kf, vf = widen(q), widen(k), widen(v)
    with np.errstate(all="ignore"):
        scores = (qf @ kf.T) * scale
        if mask is not None and mask.dtype == np.bool_:
            scores = np.where(mask, scores, -np.inf)
        elif mask is not None:
            scores = scores + widen(mask)
        p = softmax64(scores) if kf.shape[0] else np.zeros_like(scores)
        return narrow(p @ vf, q)


def attention_ignoring_the_mask(q, k, v, mask, scale):
    """The planted bug of a kernel that drops the mask."""
    return attention_rounded_once(q, k, v, None, scale)
