"""Audio slots: how many requests hold audio at once, the service's memory bound.

A request takes a slot before it reads its body and gives it back once its audio has
become mel partials (0.5 MB for 30 s of speech). Everything large a request makes
lives inside the slot: the body text, the samples, the resampled and trimmed audio, the
STFT blocks. A request without a slot holds nothing: its body waits in the socket,
since uvicorn stops reading a body nobody consumes. With 16 clients sending 30 s
clips, this is what keeps 16 bodies and 16 sets of samples from being alive at once.

A slot is held while its body arrives, so a slow uploader holds one slot; the others
keep serving (the default is more than one slot for that reason).

Inside the slots, bodies are read one at a time (`ReadLane`): two 30 s JSON bodies
(8 MB of text each) arriving at once were the largest item at peak RSS. The second slot
meanwhile preprocesses, so the pipeline still overlaps. A reader that has received
nothing for STALL_S (a slow uploader) does not hold the lane: the next reads alongside.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Request
from prometheus_client import CollectorRegistry, Gauge

# A reader that waited this long for its next chunk lets the next reader start.
STALL_S = 0.05


class ReadLane:
    """One body read at a time, unless the reader ahead is stalled on the network."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._last_progress = 0.0

    def progress(self) -> None:
        """Readers call it for every chunk they receive."""
        self._last_progress = asyncio.get_running_loop().time()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        # The acquire runs as its own task, never cancelled by a timeout: a lock
        # granted just as a timeout fires would otherwise be lost with it.
        acquire = asyncio.ensure_future(self._lock.acquire())
        try:
            while not acquire.done():
                await asyncio.wait({acquire}, timeout=STALL_S)
                if not acquire.done() and loop.time() - self._last_progress > STALL_S:
                    break  # the reader ahead is stalled: read alongside it
        finally:
            holding = acquire.done() and not acquire.cancelled()
            if not holding:
                acquire.add_done_callback(self._release_if_granted)
                acquire.cancel()
        self.progress()
        try:
            yield
        finally:
            if holding:
                self._lock.release()

    def _release_if_granted(self, acquire: asyncio.Future[bool]) -> None:
        if not acquire.cancelled() and acquire.exception() is None:
            self._lock.release()


class AudioSlots:
    def __init__(self, slots: int, registry: CollectorRegistry | None = None) -> None:
        self._semaphore = asyncio.Semaphore(slots)
        self.slots = slots
        self.lane = ReadLane()
        self.waiting_requests = 0
        kwargs = {"registry": registry}
        self.waiting = Gauge(
            "encoder_audio_slots_waiting",
            "Requests waiting for an audio slot (their bodies not read yet).", **kwargs,
        )
        self.busy = Gauge(
            "encoder_audio_slots_busy",
            "Requests reading or preprocessing audio (ENCODER_INGRESS_LIMIT at most).",
            **kwargs,
        )

    @property
    def contended(self) -> bool:
        """A new request would have to wait for a slot."""
        return self.waiting_requests > 0 or self._semaphore.locked()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        self.waiting.inc()
        self.waiting_requests += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting.dec()
            self.waiting_requests -= 1
        self.busy.inc()
        try:
            yield
        finally:
            self.busy.dec()
            self._semaphore.release()


def audio_slot(request: Request) -> AbstractAsyncContextManager[None]:
    """`async with audio_slot(request):` around reading a body, preprocessing it and
    queueing its mels. When every slot is taken, the requests waiting for one are the
    model's queue too: 429 (Overloaded) if queue and waiters exceed its limit."""
    slots: AudioSlots = request.app.state.audio_slots
    pipeline = request.app.state.pipeline
    if slots.contended:
        pipeline.batcher.check_backlog(slots.waiting_requests + 1)
    return slots.hold()


def read_lane(request: Request) -> ReadLane:
    """The lane bodies are read in (inside an audio slot)."""
    return request.app.state.audio_slots.lane
