"""glibc malloc settings that keep the service's peak RSS near its working set.

Requests bring multi-MB bodies and arrays that live for milliseconds. By default glibc
(1) raises its mmap threshold after such a buffer is freed, so later ones come from the
heap and their pages stay resident, and (2) gives every thread its own arena, each
keeping freed memory. A fixed 1 MiB mmap threshold returns big buffers to the OS on
free; two arenas bound the per-thread hoarding. No effect on other C libraries.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def tune_malloc(mmap_threshold_bytes: int = 1 << 20, arena_max: int = 2) -> bool:
    """Apply the settings; False (and nothing changed) where libc is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = bool(mallopt(_M_ARENA_MAX, arena_max)) & bool(
        mallopt(_M_MMAP_THRESHOLD, mmap_threshold_bytes)
    )
    if not ok:
        logger.info("mallopt refused the memory settings; keeping glibc defaults")
    return ok
