"""glibc malloc settings that keep the service's peak RSS near its working set, and a
heap reserve that spares the LSTM the page faults those settings would cost it.

Requests bring multi-MB bodies and arrays that live for milliseconds. By default glibc
(1) raises its mmap threshold after such a buffer is freed, so later ones come from the
heap and their pages stay resident, and (2) gives every thread its own arena, each
keeping freed memory. A fixed 1 MiB mmap threshold returns big buffers to the OS on
free (and keeps each arena's trim threshold at 128 KiB, so arenas hoard little).

The price is paid by the LSTM: every forward pass allocates ~12 MB of oneDNN buffers
(gates of every frame, layer outputs, reordered weights), each over 1 MiB, so each was
mapped, faulted in page by page and unmapped again: ~8,600 page faults and ~20% of the
model's CPU time per 24-partial forward. `reserve_thread_heap` parks free memory in the
model worker's own arena, where glibc serves those buffers from (a large request only
goes to mmap when no free chunk fits), so the same pages are reused pass after pass.
No effect on other C libraries.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math

logger = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Enough arenas for the threads that allocate (event loop, model workers, preprocessing
# pool, a few framework threads) to have one each: a model worker's reserve is only
# useful in an arena that the other threads' buffers do not fragment.
ARENA_MAX = 8
_fences: list[int] = []  # see reserve_thread_heap


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt, libc.malloc_trim, libc.malloc, libc.free  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def tune_malloc(mmap_threshold_bytes: int = 1 << 20, arena_max: int = ARENA_MAX) -> bool:
    """Apply the settings; False (and nothing changed) where libc is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    ok = bool(libc.mallopt(_M_ARENA_MAX, arena_max)) & bool(
        libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold_bytes)
    )
    if not ok:
        logger.info("mallopt refused the memory settings; keeping glibc defaults")
    return ok


def reserve_thread_heap(nbytes: int, piece_bytes: int = 512 << 10) -> bool:
    """Leave `nbytes` of free memory in the calling thread's malloc arena.

    Pieces under the mmap threshold come from the arena's heap, side by side; a small
    "fence" allocation after them is kept forever, so that once the pieces are freed
    they merge into one free chunk that is not the heap's top, which glibc would trim.
    Later requests of this thread, big ones included, are carved from that chunk.
    Its pages only count towards RSS once touched; they stay resident afterwards, which
    is the point. False where libc is not glibc or memory is short.
    """
    libc = _libc()
    if libc is None or nbytes <= 0:
        return False
    pieces = [libc.malloc(piece_bytes) for _ in range(math.ceil(nbytes / piece_bytes))]
    fence = libc.malloc(4096)
    for piece in pieces:
        if piece:
            libc.free(piece)
    if not fence or not all(pieces):
        if fence:
            libc.free(fence)
        return False
    _fences.append(fence)
    return True


def release_free_memory() -> None:
    """Give the pages of freed heap memory back to the OS (glibc's malloc_trim); no-op
    elsewhere. Called once after warm-up: loading the checkpoint and the warm-up pass
    leave ~15 MB of freed buffers behind. (A model worker's reserve loses its pages
    too, and faults them in again once, at its first forward pass.)"""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
