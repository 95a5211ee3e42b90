"""The matrix products of WaveRNN's sampling loop: compiled kernel, or torch.

    linear = PackedLinear.make(weight, kernel="auto")   # weight (K, N) float32
    linear(x, bias, out)                                 # out = bias + x @ weight
    step = linear.bind(x, bias, out); step()             # the same, checked once

`x` (M, K), `out` (M, N) and `bias` (N,) or (M, N) are float32 with unit column
stride; rows may be strided (views into the loop's buffers). With `kernel="auto"` the
compiled kernel (`_kernels.c`: AVX-512 or AVX2, weights packed once in strips of 32
columns) is used when it was built and the CPU runs it, else `torch.addmm`;
`kernel="torch"` always takes torch's path. Both compute the same products in float32;
only rounding differs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

import torch

Kernel = Literal["auto", "compiled", "torch"]
STRIP = 32  # columns per packed strip, as in _kernels.c

try:
    from voiceclone_vocoder.wavernn import _kernels
except ImportError:  # not built (no compiler at install, or not x86-64)
    _kernels = None


def compiled_isa() -> str:
    """'avx512' or 'avx2' when the compiled kernel runs here, else 'none'."""
    return _kernels.isa() if _kernels is not None else "none"


def use_compiled(kernel: Kernel) -> bool:
    """Whether `kernel` resolves to the compiled path; 'compiled' insists on it."""
    if kernel == "torch":
        return False
    available = compiled_isa() != "none"
    if kernel == "compiled" and not available:
        raise RuntimeError(
            "the compiled WaveRNN kernel is not available here (not built at install, or "
            "the CPU has neither AVX-512 nor AVX2); use kernel 'auto' or 'torch'"
        )
    return available


def pack(weight: torch.Tensor) -> torch.Tensor:
    """(K, N) -> (ceil(N / 32), K, 32): strips of 32 columns, k-major, zero-padded."""
    k, n = weight.shape
    strips = -(-n // STRIP)
    padded = torch.zeros(k, strips * STRIP, dtype=torch.float32)
    padded[:, :n] = weight
    return padded.view(k, strips, STRIP).transpose(0, 1).contiguous()


class PackedLinear:
    """`out = bias + x @ weight` for one fixed weight matrix."""

    def __init__(self, weight: torch.Tensor, compiled: bool) -> None:
        self.weight = weight.float().contiguous()  # (K, N), torch's path
        self.k, self.n = self.weight.shape
        self.packed = pack(self.weight) if compiled else None

    @classmethod
    def make(cls, weight: torch.Tensor, kernel: Kernel = "auto") -> PackedLinear:
        return cls(weight, use_compiled(kernel))

    @property
    def compiled(self) -> bool:
        return self.packed is not None

    def bind(self, x: torch.Tensor, bias: torch.Tensor, out: torch.Tensor) -> Callable[[], object]:
        """A call computing `out = bias + x @ weight` for these fixed buffers.

        The loop calls it once per step and product; binding checks the shapes once and
        leaves one C call (or one torch call) per product. The buffers must outlive it
        and keep their storage.
        """
        if self.packed is None:
            return partial(torch.addmm, bias, x, self.weight, out=out)
        m = x.shape[0]
        ok = (x.shape[1] == self.k and tuple(out.shape) == (m, self.n)
              and bias.shape[-1] == self.n and (bias.dim() == 1 or bias.shape[0] == m)
              and x.stride(1) == 1 and out.stride(1) == 1 and bias.stride(-1) == 1
              and x.dtype == out.dtype == bias.dtype == torch.float32)
        if not ok:
            raise ValueError(
                f"PackedLinear({self.k}x{self.n}): x {tuple(x.shape)}/{x.stride()}, "
                f"bias {tuple(bias.shape)}/{bias.stride()}, out {tuple(out.shape)}/"
                f"{out.stride()}: need float32 rows with unit column stride"
            )
        ldb = bias.stride(0) if bias.dim() == 2 else 0
        return partial(
            _kernels.linear, m, self.k, self.n, x.data_ptr(), x.stride(0),  # type: ignore[union-attr]
            self.packed.data_ptr(), bias.data_ptr(), ldb, out.data_ptr(), out.stride(0),
        )

    def __call__(self, x: torch.Tensor, bias: torch.Tensor, out: torch.Tensor) -> None:
        self.bind(x, bias, out)()
