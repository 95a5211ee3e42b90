"""Dynamic batching: partial windows of concurrent requests share one LSTM forward pass.

Worker threads share the model. Requests put their partials (n, 160, 40) on a bounded
queue and await a future; whenever a worker is free, it takes everything queued (up to
`max_batch_partials`), runs it as one batch and hands each request its rows. There is no
deliberate wait: a lone request runs at once, and batches form from whatever arrived
while the previous batches were running (the text-embeddings-inference design).
Requests whose client went away (cancelled futures) are skipped.

Parallelism is across batches, not inside one: `workers` threads (one per core by
default) each run forwards with one torch intra-op thread. An LSTM is 480 small steps
(160 frames x 3 layers); with 2 intra-op threads every step ends in a barrier, and on
a busy machine one preempted thread stalls the other at each of them (measured here:
10 partials took 65 ms on 1 thread, 430-2400 ms on 2 threads while other processes ran).
torch releases the GIL inside the LSTM, so the workers run truly in parallel.

The queue is bounded in partials; a request that would overflow it is refused at once
with `Overloaded` (429 + Retry-After) rather than queued behind minutes of work.

Backpressure: the routes `wait_for_room` before they queue, while they still hold their
audio slot (api/admission.py), until the queue holds fewer than `soft_queue_partials`
(two full batches per worker: enough that no worker waits). So the mels of a burst of
requests do not all pile up here; later requests wait for a slot holding nothing, and
`check_backlog` counts them when deciding on 429.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from prometheus_client import CollectorRegistry, Gauge, Histogram
from voiceclone_common.errors import NotReady, Overloaded

from voiceclone_encoder.memory import reserve_thread_heap
from voiceclone_encoder.model import SpeakerEncoder

logger = logging.getLogger(__name__)

# Requests with fewer partials than 2x this are not split across model workers.
MIN_CHUNK_PARTIALS = 3
BATCH_BUCKETS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


@dataclass
class _Job:
    mels: np.ndarray
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[np.ndarray]
    enqueued_at: float = field(default_factory=time.perf_counter)


class BatchMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        # registry=None: unregistered series (tests build many batchers in one process).
        kwargs = {"registry": registry}
        self.queue_partials = Gauge(
            "encoder_queue_partials", "Partial windows waiting for the model.", **kwargs
        )
        self.queue_requests = Gauge(
            "encoder_queue_requests", "Requests waiting for the model.", **kwargs
        )
        self.batch_partials = Histogram(
            "encoder_batch_partials", "Partial windows per forward pass.",
            buckets=BATCH_BUCKETS, **kwargs,
        )
        self.batch_requests = Histogram(
            "encoder_batch_requests",
            "Queued jobs (requests, or their per-worker chunks) per forward pass.",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64), **kwargs,
        )
        self.forward_seconds = Histogram(
            "encoder_forward_seconds", "Duration of one batched forward pass.",
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5), **kwargs,
        )


class PartialBatcher:
    """Runs `model` on the partials of many requests at once, in its own thread."""

    def __init__(
        self,
        model: SpeakerEncoder,
        *,
        max_batch_partials: int,
        max_queue_partials: int,
        bf16: bool = False,  # the model's weights must be bfloat16 then
        metrics: BatchMetrics | None = None,
        workers: int = 1,
        heap_reserve_bytes: int = 0,
        soft_queue_partials: int | None = None,
    ) -> None:
        self.model = model
        self.max_batch_partials = max_batch_partials
        self.max_queue_partials = max_queue_partials
        self.soft_queue_partials = soft_queue_partials or 2 * max_batch_partials * workers
        self._room_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        # Partials per queued request, learned: turns waiting requests into a backlog.
        self._partials_per_request = 10.0
        self.bf16 = bf16
        self.metrics = metrics or BatchMetrics(None)
        self._queue: deque[_Job] = deque()
        self._queued_partials = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self.workers = workers
        # Free memory each model worker keeps in its malloc arena for the LSTM's
        # buffers (memory.reserve_thread_heap): no page faults per forward pass.
        self.heap_reserve_bytes = heap_reserve_bytes
        # Seconds per partial, learned from recent batches: sets Retry-After.
        self._seconds_per_partial = 0.003

    # -- the model, run in the worker thread ------------------------------------------
    def forward(self, mels: np.ndarray) -> np.ndarray:
        """(n, frames, 40) float32 -> (n, 256) float32 embeddings; blocking."""
        with torch.inference_mode():
            # Partials arrive as read-only views of one mel spectrogram: torch wants
            # its own writable, contiguous copy (usually the batch's concatenation).
            tensor = torch.from_numpy(np.require(mels, np.float32, ["C", "W"]))
            if self.bf16:
                # bf16 weights and inputs (torch.autocast has no bf16 LSTM kernel on CPU).
                tensor = tensor.to(torch.bfloat16)
            return self.model(tensor).float().numpy()

    def start(self) -> None:
        for i in range(self.workers):
            thread = threading.Thread(target=self._run, name=f"encoder-model-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)
        for job in self._queue:
            job.loop.call_soon_threadsafe(_set_exception, job.future, NotReady("shutting down"))
        self._queue.clear()
        for loop, room in self._room_waiters:  # they find the batcher stopped
            loop.call_soon_threadsafe(_set_result, room, None)
        self._room_waiters.clear()

    async def embed(self, mels: np.ndarray) -> np.ndarray:
        """Queue (n, 160, 40) partials; return their (n, 256) embeddings when batched."""
        return await self.submit(mels)

    def submit(self, mels: np.ndarray) -> asyncio.Future[np.ndarray]:
        """Queue (n, 160, 40) partials now (call it on the event loop); the returned
        future gives their (n, 256) embeddings. Overloaded when the queue is full.

        With several workers, a request's partials are queued as up to one chunk per
        worker: alone, it runs on every core at once (latency); under load the chunks
        simply join other requests' batches (throughput is unchanged).
        """
        loop = asyncio.get_running_loop()
        n_chunks = max(1, min(self.workers, len(mels) // MIN_CHUNK_PARTIALS))
        chunks = np.array_split(mels, n_chunks) if n_chunks > 1 else [mels]
        jobs = [_Job(mels=c, loop=loop, future=loop.create_future()) for c in chunks]
        n = len(mels)
        with self._cond:
            if self._stopping or not self._threads:
                raise NotReady("the encoder model is not running", retry_after_s=5)
            # A single request bigger than the whole queue still runs when the queue is empty.
            if self._queued_partials and self._queued_partials + n > self.max_queue_partials:
                raise self._overloaded(self._queued_partials)
            self._queue.extend(jobs)
            self._queued_partials += n
            self._partials_per_request = 0.9 * self._partials_per_request + 0.1 * n
            self._update_gauges()
            self._cond.notify(len(jobs))
        if len(jobs) == 1:
            return jobs[0].future
        return asyncio.ensure_future(_joined([job.future for job in jobs]))

    async def wait_for_room(self, n_partials: int) -> None:
        """Return once `n_partials` more fit under the soft limit (or the queue is empty)."""
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                queued = self._queued_partials
                if not queued or queued + n_partials <= self.soft_queue_partials:
                    return
                room = loop.create_future()
                self._room_waiters.append((loop, room))
            await room

    def check_backlog(self, waiting_requests: int) -> None:
        """Overloaded (429) if the queue plus `waiting_requests` (not read yet, counted
        at the learned partials per request) exceeds the queue limit."""
        with self._cond:
            backlog = self._queued_partials + waiting_requests * self._partials_per_request
        if waiting_requests and backlog > self.max_queue_partials:
            raise self._overloaded(int(backlog))

    def _overloaded(self, backlog: int) -> Overloaded:
        wait_s = backlog * self._seconds_per_partial
        return Overloaded(
            f"the encoder queue is full ({backlog} partial windows waiting, limit "
            f"{self.max_queue_partials}); retry in {wait_s:.1f} s",
            retry_after_s=max(1.0, wait_s),
        )

    def _update_gauges(self) -> None:
        self.metrics.queue_partials.set(self._queued_partials)
        self.metrics.queue_requests.set(len(self._queue))

    def _take_batch(self) -> list[_Job] | None:
        with self._cond:
            while not self._queue and not self._stopping:
                self._cond.wait()
            if self._stopping:
                return None
            jobs: list[_Job] = []
            total = 0
            while self._queue:
                job = self._queue[0]
                if jobs and total + len(job.mels) > self.max_batch_partials:
                    break
                self._queue.popleft()
                self._queued_partials -= len(job.mels)
                if job.future.cancelled():  # the client went away
                    continue
                jobs.append(job)
                total += len(job.mels)
            self._update_gauges()
            if self._room_waiters and self._queued_partials < self.soft_queue_partials:
                for loop, room in self._room_waiters:
                    loop.call_soon_threadsafe(_set_result, room, None)
                self._room_waiters.clear()
            return jobs

    def _run(self) -> None:
        if self.heap_reserve_bytes:
            reserve_thread_heap(self.heap_reserve_bytes)
        while (jobs := self._take_batch()) is not None:
            if not jobs:
                continue
            try:
                mels = jobs[0].mels if len(jobs) == 1 else np.concatenate([j.mels for j in jobs])
                start = time.perf_counter()
                embeds = self.forward(mels)
                elapsed = time.perf_counter() - start
            except Exception as exc:  # a model failure must reach the waiting requests
                logger.exception("encoder forward pass failed")
                for job in jobs:
                    job.loop.call_soon_threadsafe(_set_exception, job.future, exc)
                continue
            self._seconds_per_partial = 0.8 * self._seconds_per_partial + 0.2 * (
                elapsed / len(mels)
            )
            self.metrics.forward_seconds.observe(elapsed)
            self.metrics.batch_partials.observe(len(mels))
            self.metrics.batch_requests.observe(len(jobs))
            offset = 0
            for job in jobs:
                rows = embeds[offset : offset + len(job.mels)]
                offset += len(job.mels)
                job.loop.call_soon_threadsafe(_set_result, job.future, rows)


async def _joined(futures: list[asyncio.Future[np.ndarray]]) -> np.ndarray:
    return np.concatenate(await asyncio.gather(*futures))


def _set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)

