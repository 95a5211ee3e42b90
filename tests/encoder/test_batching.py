"""Dynamic batching: concurrent requests share forward passes and get their own rows."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from prometheus_client import CollectorRegistry
from voiceclone_common.errors import NotReady, Overloaded
from voiceclone_encoder.batching import BatchMetrics, PartialBatcher


def _mels(seed: int, n: int) -> np.ndarray:
    return np.abs(np.random.default_rng(seed).standard_normal((n, 160, 40))).astype(np.float32)


def _assert_concurrent_equals_solo(batcher: PartialBatcher, inputs: list[np.ndarray]) -> None:
    """Embedding `inputs` concurrently through `batcher` (started here, stopped after)
    gives what one forward pass per input gives."""
    solo = [batcher.forward(m) for m in inputs]
    batcher.start()

    async def run() -> list[np.ndarray]:
        return await asyncio.gather(*(batcher.embed(m) for m in inputs))

    try:
        results = asyncio.run(run())
    finally:
        batcher.stop()
    for got, want in zip(results, solo, strict=True):
        np.testing.assert_allclose(got, want, atol=2e-5)


def test_concurrent_requests_are_batched_and_rows_are_their_own(encoder_model) -> None:
    registry = CollectorRegistry()
    batcher = PartialBatcher(encoder_model, max_batch_partials=64, max_queue_partials=256,
                             metrics=BatchMetrics(registry))
    inputs = [_mels(i, n) for i, n in enumerate([3, 1, 5, 2, 4, 6, 2, 3])]
    _assert_concurrent_equals_solo(batcher, inputs)
    forwards = registry.get_sample_value("encoder_batch_requests_count")
    requests = registry.get_sample_value("encoder_batch_requests_sum")
    assert requests == len(inputs)
    assert forwards < len(inputs)  # at least one forward pass served several requests


def test_full_queue_is_refused_with_retry_after(encoder_model) -> None:
    batcher = PartialBatcher(encoder_model, max_batch_partials=4, max_queue_partials=8)
    batcher.start()

    async def run() -> list[object]:
        return await asyncio.gather(*(batcher.embed(_mels(i, 6)) for i in range(6)),
                                    return_exceptions=True)

    try:
        results = asyncio.run(run())
    finally:
        batcher.stop()
    refused = [r for r in results if isinstance(r, Overloaded)]
    assert refused, results
    assert all(r.retry_after_s and r.retry_after_s >= 1 for r in refused)
    assert any(isinstance(r, np.ndarray) and r.shape == (6, 256) for r in results)


def test_stopped_batcher_is_not_ready(encoder_model) -> None:
    batcher = PartialBatcher(encoder_model, max_batch_partials=4, max_queue_partials=8)
    with pytest.raises(NotReady):
        asyncio.run(batcher.embed(_mels(0, 1)))


def test_two_workers_share_the_queue(encoder_model) -> None:
    batcher = PartialBatcher(encoder_model, max_batch_partials=4, max_queue_partials=256,
                             workers=2)
    inputs = [_mels(10 + i, 3) for i in range(6)]
    _assert_concurrent_equals_solo(batcher, inputs)


class _GatedBatcher(PartialBatcher):
    """Forward passes wait for `gate`: the test decides when the model is done."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()

    def forward(self, mels: np.ndarray) -> np.ndarray:
        self.gate.wait(timeout=30)
        return super().forward(mels)


def test_wait_for_room_holds_intake_until_the_queue_drains(encoder_model) -> None:
    batcher = _GatedBatcher(encoder_model, max_batch_partials=6, max_queue_partials=256,
                            soft_queue_partials=8)
    batcher.start()

    async def run() -> tuple[bool, bool]:
        first = batcher.submit(_mels(0, 6))  # a worker takes it and waits at the gate
        await asyncio.sleep(0.05)
        second = batcher.submit(_mels(1, 6))  # queued: 6 partials
        room = asyncio.ensure_future(batcher.wait_for_room(4))  # 6 + 4 > 8
        await asyncio.sleep(0.05)
        blocked = not room.done()
        batcher.gate.set()  # the model goes on; the queue drains
        await asyncio.wait_for(room, timeout=30)
        await asyncio.gather(first, second)
        return blocked, room.done()

    try:
        assert asyncio.run(run()) == (True, True)
    finally:
        batcher.gate.set()
        batcher.stop()


def test_backlog_of_waiting_requests_is_refused(encoder_model) -> None:
    batcher = PartialBatcher(encoder_model, max_batch_partials=4, max_queue_partials=30)
    batcher.check_backlog(2)  # 2 waiting requests x ~10 partials: within the limit
    with pytest.raises(Overloaded) as refused:
        batcher.check_backlog(4)
    assert refused.value.retry_after_s >= 1
