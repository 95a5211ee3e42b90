"""Long text as a stream of speech: one sentence at a time, the first one out first.

The synthesizer works on sentence i+1 while the vocoder turns sentence i into sound,
so the two upstreams overlap and the caller hears the first sentence after one
synthesizer call and one vocoder call, whatever the length of the text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.clients import EncodedMel
from voiceclone_gateway.pipeline import ClonePipeline
from voiceclone_gateway.sentences import split_sentences

# Called as (stage, state, sentence index, sentence count, seconds or None) as sentences
# progress; state is "running" or "done".
StageEvent = Callable[[str, str, int, int, float | None], None]


@dataclass(frozen=True)
class SentenceAudio:
    """One sentence's speech: mono float32 at `sample_rate_hz`, shape (n,)."""

    index: int
    count: int
    text: str
    samples: np.ndarray
    sample_rate_hz: int
    synthesizer_s: float
    vocoder_s: float


async def speak_sentences(
    pipeline: ClonePipeline, embed: list[float], text: str, *, request_id: str,
    on_stage: StageEvent | None = None,
) -> AsyncIterator[SentenceAudio]:
    """Yield each sentence of `text` as speech, in order, as soon as it is ready."""
    pipeline.check_text(text)
    sentences = split_sentences(text)
    notify = on_stage or (lambda *_: None)
    upstreams = pipeline.upstreams

    async def synthesize(index: int) -> tuple[EncodedMel, float]:
        notify("synthesizer", "running", index, len(sentences), None)
        start = time.perf_counter()
        mel = await upstreams.synthesizer.synthesize(embed, sentences[index],
                                                     request_id=request_id)
        elapsed = time.perf_counter() - start
        notify("synthesizer", "done", index, len(sentences), elapsed)
        return mel, elapsed

    next_mel = asyncio.ensure_future(synthesize(0))
    try:
        for index, sentence in enumerate(sentences):
            mel, synth_s = await next_mel
            if index + 1 < len(sentences):
                next_mel = asyncio.ensure_future(synthesize(index + 1))
            notify("vocoder", "running", index, len(sentences), None)
            start = time.perf_counter()
            waveform = await upstreams.vocoder.vocode(mel, request_id=request_id)
            vocoder_s = time.perf_counter() - start
            notify("vocoder", "done", index, len(sentences), vocoder_s)
            samples = waveform.samples()
            if waveform.sample_rate_hz != STACK_SAMPLE_RATE_HZ:
                samples = resample(samples, waveform.sample_rate_hz, STACK_SAMPLE_RATE_HZ)
            yield SentenceAudio(index, len(sentences), sentence, samples, STACK_SAMPLE_RATE_HZ,
                                synth_s, vocoder_s)
    finally:
        # The caller left (client disconnected) or a stage failed: stop synthesizing.
        if not next_mel.done():
            next_mel.cancel()
