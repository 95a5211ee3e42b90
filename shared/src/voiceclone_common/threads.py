"""Thread settings for numeric libraries, applied once at service start.

Measured on this 2-core machine: with numpy's OpenBLAS threads competing with torch's
intra-op threads, 2 torch threads ran slower than 1. So BLAS gets one thread and torch
gets the cores.
"""

from __future__ import annotations

import contextlib
import os


def limit_blas_threads() -> None:
    """Must run before numpy is first imported to take effect for OpenBLAS."""
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def configure_torch_threads(n_threads: int = 0) -> int:
    """Give torch `n_threads` intra-op threads (0: one per core); return the number set."""
    import torch

    n = n_threads or os.cpu_count() or 1
    torch.set_num_threads(n)
    # Can only be set once per process, before any inter-op work: later calls fail.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)
    return n
