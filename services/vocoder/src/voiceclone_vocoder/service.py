"""The vocoding service object: admission control, a worker thread, metrics.

One inference runs at a time (each already uses every core through torch's threads);
up to `max_queue` more wait, further requests get 429 at once instead of piling up.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.concurrency import run_in_threadpool
from voiceclone_common.errors import Overloaded

from voiceclone_vocoder.backends import Vocoder

DURATION_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class VocoderService:
    def __init__(self, vocoder: Vocoder, registry: CollectorRegistry, max_queue: int) -> None:
        self.vocoder = vocoder
        self.max_queue = max_queue
        self._lock = asyncio.Lock()
        self._waiting = 0
        self.ready = False
        self.inference_seconds = Histogram(
            "vocoder_inference_seconds", "Time to vocode one spectrogram.", ["backend"],
            buckets=DURATION_BUCKETS_S, registry=registry,
        )
        self.audio_seconds = Counter(
            "vocoder_audio_seconds_total", "Seconds of audio generated.", ["backend"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "vocoder_queue_depth", "Requests waiting for the vocoder.", registry=registry
        )

    async def vocode(self, mel: np.ndarray, seed: int | None) -> np.ndarray:
        """(80, T) mel -> 16 kHz float32 wav, run off the event loop, one at a time."""
        if self._lock.locked() and self._waiting >= self.max_queue:
            raise Overloaded(
                f"the vocoder is busy with {self._waiting} requests waiting; retry shortly",
                retry_after_s=1.0,
            )
        self._waiting += 1
        self.queue_depth.set(self._waiting)
        try:
            await self._lock.acquire()
        finally:  # also when the client went away while waiting
            self._waiting -= 1
            self.queue_depth.set(self._waiting)
        try:
            start = time.perf_counter()
            wav = await run_in_threadpool(self.vocoder.infer, mel, seed)
        finally:
            self._lock.release()
        name = self.vocoder.name
        self.inference_seconds.labels(name).observe(time.perf_counter() - start)
        self.audio_seconds.labels(name).inc(len(wav) / 16000)
        return wav

    def warm_up(self) -> None:
        """One real inference on a short synthetic mel, so the first request is not slow."""
        mel = np.full((80, 8), -4.0, dtype=np.float32)
        mel[:, 2:6] = np.linspace(-1.0, -3.0, 80, dtype=np.float32)[:, None]
        self.vocoder.infer(mel, seed=0)
        self.ready = True
