"""Text + embedding -> one mel spectrogram: validate, split, batch, run, join.

The model runs either in this process (any `SynthesizerBackend`, in a worker thread so
the event loop keeps answering health checks) or on the synthesizer-model server
(`ModelServerClient`), which takes symbol ids: then the text front end runs here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Histogram
from voiceclone_common.errors import BadInput, Overloaded

from voiceclone_synthesizer.backends import SynthesizerBackend
from voiceclone_synthesizer.clients.model_server import ModelServerClient
from voiceclone_synthesizer.embeddings import normalise_embeddings
from voiceclone_synthesizer.mels import FRAMES_PER_SECOND, join_mels
from voiceclone_synthesizer.text import sentence_to_ids, split_sentences


@dataclass(frozen=True)
class PipelineOptions:
    max_chars: int = 5000
    max_sentence_chars: int = 200
    batch_size: int = 8
    sentence_pause_s: float = 0.15
    max_queue: int = 16


class SynthesisMetrics:
    def __init__(self, registry: CollectorRegistry, backend: str) -> None:
        self.backend = backend
        self.sentences = Counter(
            "synthesizer_sentences_total", "Sentences synthesized.", ["backend"],
            registry=registry,
        )
        self.mel_seconds = Counter(
            "synthesizer_mel_seconds_total", "Seconds of speech (mel frames / 80).",
            ["backend"], registry=registry,
        )
        self.batch_seconds = Histogram(
            "synthesizer_batch_seconds", "Time of one model batch.", ["backend"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=registry,
        )
        self.batch_size = Histogram(
            "synthesizer_batch_size", "Sentences per model batch.", ["backend"],
            buckets=(1, 2, 4, 8, 16, 32), registry=registry,
        )


class Synthesis:
    """Exactly one of `backend` (in-process) and `remote` (model server) is set."""

    def __init__(
        self,
        options: PipelineOptions,
        *,
        backend: SynthesizerBackend | None = None,
        remote: ModelServerClient | None = None,
        metrics: SynthesisMetrics | None = None,
    ) -> None:
        if (backend is None) == (remote is None):
            raise ValueError("give exactly one of backend and remote")
        self.options = options
        self.backend = backend
        self.remote = remote
        self.metrics = metrics
        # In-process, one batch runs at a time (the cores are the limit; FIFO is fair);
        # the model server has its own queue, so requests may overlap there.
        self._slots = asyncio.Semaphore(1 if backend is not None else options.max_queue)
        self._waiting = 0

    @property
    def backend_name(self) -> str:
        return self.backend.name if self.backend is not None else "tacotron-remote"

    def sentences(self, text: str) -> list[str]:
        """The sentences to speak, or BadInput saying why there are none."""
        if not text.strip():
            raise BadInput("text is empty: give the words to speak")
        if len(text) > self.options.max_chars:
            raise BadInput(
                f"text has {len(text)} characters, more than the limit of "
                f"{self.options.max_chars} (SYNTHESIZER_MAX_CHARS): send it in parts"
            )
        sentences = split_sentences(text, self.options.max_sentence_chars)
        if not sentences:
            raise BadInput("text has nothing to speak (no letters or digits)")
        return sentences

    async def synthesize(self, text: str, embed: list[float] | np.ndarray) -> np.ndarray:
        """-> (80, T) float32, sentences joined in order with short pauses."""
        sentences = self.sentences(text)
        speaker = normalise_embeddings(embed)
        if self._waiting >= self.options.max_queue:
            raise Overloaded("too many synthesis requests queued; retry shortly", retry_after_s=2)
        self._waiting += 1
        try:
            async with self._slots:
                mels = await self._run(sentences, speaker[0])
        finally:
            self._waiting -= 1
        return np.ascontiguousarray(join_mels(mels, self.options.sentence_pause_s))

    async def _run(self, sentences: list[str], speaker: np.ndarray) -> list[np.ndarray]:
        mels: list[np.ndarray] = []
        size = self.options.batch_size
        for start in range(0, len(sentences), size):
            batch = sentences[start : start + size]
            embeds = np.repeat(speaker[None, :], len(batch), axis=0)
            began = time.perf_counter()
            if self.backend is not None:
                out = await asyncio.to_thread(self.backend.synthesize, batch, embeds)
            else:
                assert self.remote is not None
                out = await self.remote.generate_ids([sentence_to_ids(s) for s in batch], embeds)
            self._observe(len(batch), out, time.perf_counter() - began)
            mels.extend(out)
        return mels

    def _observe(self, n: int, mels: list[np.ndarray], seconds: float) -> None:
        if self.metrics is None:
            return
        label = self.metrics.backend
        self.metrics.sentences.labels(label).inc(n)
        frames = sum(m.shape[1] for m in mels)
        self.metrics.mel_seconds.labels(label).inc(frames / FRAMES_PER_SECOND)
        self.metrics.batch_seconds.labels(label).observe(seconds)
        self.metrics.batch_size.labels(label).observe(n)
