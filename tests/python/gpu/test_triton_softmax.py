"""A Triton softmax under softcheck's gate: the pattern for a GPU kernel author's own tests.
Runs where PyTorch sees a CUDA device and Triton is installed; skipped (exit 77 through
tests/python/conftest.py) everywhere else. ctest runs it as python_triton_example, apart from
python_pytest, so that its skip does not mark the CPU tests skipped.

The kernel is the textbook one-row-per-program softmax: load the row (masked to n), take its
max, exponentiate, divide by the sum, store in the input's dtype; everything inside in f32.
It handles rows up to MAX_N, the longest row of the quick suite being 257; a longer row
raises, which the gate records per call.
"""
import pytest

torch = pytest.importorskip("torch")
triton = pytest.importorskip("triton")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

import triton.language as tl  # noqa: E402

from softcheck.testing import assert_kernel  # noqa: E402

MAX_N = 16384


@triton.jit
def _softmax_rows(out_ptr, in_ptr, n, stride, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(in_ptr + row * stride + cols, mask=cols < n, other=-float("inf")).to(tl.float32)
    shifted = x - tl.max(x, axis=0)
    e = tl.exp(shifted)
    y = e / tl.sum(e, axis=0)
    tl.store(out_ptr + row * stride + cols, y.to(out_ptr.dtype.element_ty), mask=cols < n)


def triton_softmax(x):
    rows, n = x.shape
    if n > MAX_N:
        raise ValueError(f"rows longer than {MAX_N} are not supported")
    x = x.contiguous()
    out = torch.empty_like(x)
    if rows and n:
        _softmax_rows[(rows,)](out, x, n, x.stride(0), BLOCK=triton.next_power_of_2(n))
    return out


@pytest.mark.parametrize("dtype", ["f32", "bf16", "f16"])
def test_triton_softmax(dtype):
    assert_kernel(triton_softmax, "softmax", dtypes=[dtype], tensors="torch", device="cuda")
