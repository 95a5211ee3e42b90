"""Long text as speech, piece by piece: the first piece out first.

A piece is a sentence (streaming routes: the first sound as early as possible) or a
group of sentences small enough for one vocoder call (whole-text routes, through
`ClonePipeline`). The synthesizer works on piece i+1 while the vocoder turns piece i
into sound, so the two upstreams overlap and the first piece is ready after one
synthesizer call and one vocoder call, whatever the length of the text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.clients import EncodedMel
from voiceclone_gateway.mel_split import vocode_any_length
from voiceclone_gateway.sentences import split_sentences

if TYPE_CHECKING:  # pipeline.py imports this module
    from voiceclone_gateway.pipeline import ClonePipeline

# Called as (stage, state, piece index, piece count, seconds or None) as pieces
# progress; state is "running" or "done".
StageEvent = Callable[[str, str, int, int, float | None], None]

# Silence before every piece but the first: the pause the synthesizer itself puts
# between the sentences of one call (SYNTHESIZER_SENTENCE_PAUSE_S' default), so a text
# sounds the same whether it was spoken in one call or in pieces.
PIECE_PAUSE_S = 0.15


@asynccontextmanager
async def timed(timings_s: dict[str, float] | None, stage: str) -> AsyncIterator[None]:
    """Add the time spent in the block to `timings_s[stage]`, even when it fails (a
    stage called once per piece adds up over the pieces)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings_s is not None:
            timings_s[stage] = timings_s.get(stage, 0.0) + time.perf_counter() - start


@dataclass(frozen=True)
class SentenceAudio:
    """One piece's speech (a sentence or a group of them): mono float32 at
    `sample_rate_hz`, shape (n,), the pause before it included."""

    index: int
    count: int
    text: str
    samples: np.ndarray
    sample_rate_hz: int
    synthesizer_s: float
    vocoder_s: float


async def speak_pieces(
    pipeline: ClonePipeline, embed: list[float], pieces: list[str], *, request_id: str,
    timings_s: dict[str, float] | None = None, on_stage: StageEvent | None = None,
) -> AsyncIterator[SentenceAudio]:
    """Yield each piece of text as speech, in order, as soon as it is ready.

    `timings_s["synthesizer"]` and `["vocoder"]` add up the calls (so with the overlap
    their sum exceeds the wall time).
    """
    notify = on_stage or (lambda *_: None)
    upstreams, count = pipeline.upstreams, len(pieces)
    max_frames = pipeline.limits.vocoder_max_frames

    async def synthesize(index: int) -> tuple[EncodedMel, float]:
        notify("synthesizer", "running", index, count, None)
        start = time.perf_counter()
        async with timed(timings_s, "synthesizer"):
            mel = await upstreams.synthesizer.synthesize(embed, pieces[index],
                                                         request_id=request_id)
        elapsed = time.perf_counter() - start
        notify("synthesizer", "done", index, count, elapsed)
        return mel, elapsed

    next_mel = asyncio.ensure_future(synthesize(0))
    try:
        for index, piece in enumerate(pieces):
            mel, synth_s = await next_mel
            if index + 1 < count:
                next_mel = asyncio.ensure_future(synthesize(index + 1))
            notify("vocoder", "running", index, count, None)
            start = time.perf_counter()
            async with timed(timings_s, "vocoder"):
                waveform = await vocode_any_length(upstreams.vocoder, mel,
                                                   max_frames=max_frames,
                                                   request_id=request_id)
            vocoder_s = time.perf_counter() - start
            notify("vocoder", "done", index, count, vocoder_s)
            samples = resample(waveform.samples(), waveform.sample_rate_hz,
                               STACK_SAMPLE_RATE_HZ)
            if index > 0:
                pause = np.zeros(round(PIECE_PAUSE_S * STACK_SAMPLE_RATE_HZ), np.float32)
                samples = np.concatenate([pause, samples])
            yield SentenceAudio(index, count, piece, samples, STACK_SAMPLE_RATE_HZ,
                                synth_s, vocoder_s)
    finally:
        # The caller left (client disconnected) or a stage failed: stop synthesizing.
        if not next_mel.done():
            next_mel.cancel()
        elif not next_mel.cancelled():
            next_mel.exception()  # retrieved: a failure already reported, not "lost"


async def speak_sentences(
    pipeline: ClonePipeline, embed: list[float], text: str, *, request_id: str,
    timings_s: dict[str, float] | None = None, on_stage: StageEvent | None = None,
) -> AsyncIterator[SentenceAudio]:
    """Yield each sentence of `text` as speech, in order, as soon as it is ready."""
    pipeline.check_text(text)
    async with aclosing(speak_pieces(pipeline, embed, split_sentences(text),
                                     request_id=request_id, timings_s=timings_s,
                                     on_stage=on_stage)) as spoken:
        async for sentence in spoken:
            yield sentence
