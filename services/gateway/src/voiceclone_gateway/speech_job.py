"""One text spoken in one voice, for the streaming and OpenAI-compatible routes.

`SpeechJob` runs the sentences through the pipeline (speech_stream), shapes each
sentence's audio for the caller (speed, sample rate, format), runs the self-check on the
whole result at the end and writes what happened into the request's log record.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import numpy as np

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.pipeline import ClonePipeline
from voiceclone_gateway.request_log.record import RequestRecord
from voiceclone_gateway.self_check import check_against_reference
from voiceclone_gateway.speech_formats import encode, pcm16, streaming_wav_header, time_stretch
from voiceclone_gateway.speech_stream import SentenceAudio, StageEvent, speak_sentences

STREAMABLE_FORMATS = ("wav", "pcm")


@dataclass
class SpeechJob:
    pipeline: ClonePipeline
    embed: list[float]
    text: str
    request_id: str
    record: RequestRecord | None = None
    speed: float = 1.0
    sample_rate_hz: int = STACK_SAMPLE_RATE_HZ
    on_stage: StageEvent | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    similarity: float | None = None
    same_speaker: bool | None = None
    threshold: float | None = None
    _parts: list[np.ndarray] = field(default_factory=list)
    _started: float = field(default_factory=time.perf_counter)

    @property
    def audio_seconds(self) -> float:
        return sum(p.size for p in self._parts) / STACK_SAMPLE_RATE_HZ

    def _shape(self, sentence: SentenceAudio) -> np.ndarray:
        """A sentence at the caller's speed and sample rate (the stack's 16 kHz kept for
        the self-check, which must hear what the synthesizer made)."""
        self._parts.append(sentence.samples)
        samples = time_stretch(sentence.samples, self.speed, STACK_SAMPLE_RATE_HZ)
        return resample(samples, STACK_SAMPLE_RATE_HZ, self.sample_rate_hz)

    async def sentences(self) -> AsyncIterator[np.ndarray]:
        """Each sentence's samples, shaped for the caller, as soon as it is ready."""
        spoken = speak_sentences(self.pipeline, self.embed, self.text,
                                 request_id=self.request_id, timings_s=self.timings_s,
                                 on_stage=self.on_stage)
        async with aclosing(spoken):
            async for sentence in spoken:
                yield self._shape(sentence)

    async def finish(self) -> None:
        """Self-check the whole result and fill in the log record."""
        if self.on_stage is not None:
            self.on_stage("self_check", "running", 0, 1, None)
        whole = np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)
        if self.pipeline.self_check:
            check = await check_against_reference(
                self.pipeline.upstreams.encoder, whole, self.embed,
                request_id=self.request_id, timings_s=self.timings_s,
            )
            if check is not None:
                self.similarity = round(check.cosine, 4)
                self.same_speaker, self.threshold = check.same_speaker, check.threshold
        if self.on_stage is not None:
            self.on_stage("self_check", "done", 0, 1, self.timings_s.get("self_check"))
        self.timings_s["total"] = time.perf_counter() - self._started
        self.update_record()

    def update_record(self, error_type: str | None = None) -> None:
        record = self.record
        if record is None:
            return
        record.text = self.text
        record.output_audio_s = round(self.audio_seconds / self.speed, 3)
        record.similarity = self.similarity
        for stage in ("encoder", "synthesizer", "vocoder", "self_check"):
            if stage in self.timings_s:
                record.stage_s[stage] = self.timings_s[stage]
        if error_type is not None:
            record.error_type = error_type

    async def whole(self, fmt: str) -> bytes:
        """The complete result in `fmt`, after the self-check."""
        shaped = [part async for part in self.sentences()]
        await self.finish()
        samples = np.concatenate(shaped) if shaped else np.zeros(0, np.float32)
        return encode(samples, self.sample_rate_hz, fmt)

    async def stream(self, fmt: str) -> tuple[bytes, AsyncIterator[bytes]]:
        """(first chunk, the rest) of a streamed `wav` or `pcm` answer.

        The first sentence is made before this returns, so a failing upstream is still
        an HTTP error rather than a truncated 200; the rest follows as it is made.
        """
        sentences = self.sentences()
        first = await anext(sentences)
        header = streaming_wav_header(self.sample_rate_hz) if fmt == "wav" else b""

        async def rest() -> AsyncIterator[bytes]:
            try:
                async for samples in sentences:
                    yield pcm16(samples)
            except Exception as exc:
                # Too late for a status code: the log says what cut the audio short.
                self.update_record(getattr(exc, "error_type", type(exc).__name__))
                raise
            await self.finish()

        return header + pcm16(first), rest()


def stage_event_sink(emit: Callable[[dict], None]) -> StageEvent:
    """A StageEvent that emits progress events for the web page."""

    def on_stage(stage: str, state: str, index: int, count: int,
                 seconds: float | None) -> None:
        event: dict = {"type": "stage", "stage": stage, "state": state}
        if stage in ("synthesizer", "vocoder"):
            event["sentence"], event["sentences"] = index + 1, count
        if seconds is not None:
            event["seconds"] = round(seconds, 4)
        emit(event)

    return on_stage
