"""glibc settings and the model workers' heap reserve (no-ops on other C libraries)."""

from __future__ import annotations

import ctypes.util
import threading

import pytest
from voiceclone_encoder import memory

glibc_only = pytest.mark.skipif(
    ctypes.util.find_library("c") is None, reason="not a glibc system"
)


@glibc_only
def test_reserve_in_a_fresh_thread_leaves_a_fence() -> None:
    results: list[bool] = []
    fences = len(memory._fences)
    thread = threading.Thread(target=lambda: results.append(memory.reserve_thread_heap(4 << 20)))
    thread.start()
    thread.join()
    assert results == [True]
    assert len(memory._fences) == fences + 1
    memory.release_free_memory()  # harmless afterwards


def test_nothing_to_reserve() -> None:
    assert memory.reserve_thread_heap(0) is False
