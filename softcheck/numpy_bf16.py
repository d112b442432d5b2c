"""bf16 in numpy, which has no bfloat16 type: bf16 values travel as their uint16 bit patterns
(the vector files, softcheck.gate_callable). decode widens them to float32 exactly; encode
rounds float64 or float32 to the nearest bf16, ties to even, NaN
kept NaN (quiet) - the rounding every bf16 kernel's final store should make."""
from __future__ import annotations

import numpy as np


def decode(bits) -> np.ndarray:
    """uint16 bf16 patterns -> the float32 values they stand for (exact)."""
    bits = np.asarray(bits, dtype=np.uint16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _to_f32_round_to_odd(x: np.ndarray) -> np.ndarray:
    """float64 -> float32 rounded to odd (truncate, then set the last bit if inexact): f32
    keeps 16 more bits than bf16, so rounding this once more to bf16 gives the correctly
    rounded bf16 of x (no double rounding)."""
    with np.errstate(over="ignore", invalid="ignore"):
        nearest = x.astype(np.float32)
    bits = nearest.view(np.uint32).copy()
    finite = np.isfinite(x)
    inexact = finite & (nearest.astype(np.float64) != x)
    away = inexact & (np.abs(nearest.astype(np.float64)) > np.abs(x))  # rounded up in magnitude
    bits[away] -= 1  # one step toward zero (inf - 1 step is the largest finite)
    bits[inexact] |= 1
    return bits.view(np.float32)


def encode(values) -> np.ndarray:
    """float32 or float64 values -> uint16 bf16 patterns, rounded to nearest, ties to even
    (float64 correctly, without rounding twice)."""
    values = np.asarray(values)
    if values.dtype == np.float64:
        x = _to_f32_round_to_odd(np.ascontiguousarray(values))
    else:
        x = np.ascontiguousarray(values, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round half to even on bit 16
    out = rounded.astype(np.uint16)
    nan = np.isnan(x)
    out[nan] = ((bits[nan] >> 16) | 0x0040).astype(np.uint16)  # quiet NaN, sign kept
    return out
