"""Voice cloning as a sequence of upstream calls: encoder -> synthesizer -> vocoder.

Routers (the legacy routes, `/v1/clone`, and later stored voices, the OpenAI-compatible
endpoint and streaming) all clone through `ClonePipeline`; it knows nothing of HTTP
requests, responses or the log, and reports how long each stage took.

Audio travels as JSON bytes between the stages and is parsed only where the caller
needs samples (`CloneResult.samples`), which keeps the gateway's own cost near zero.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import numpy as np
import orjson
from voiceclone_common.errors import BadInput, InvalidAudio

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.clients import Upstreams, Waveform
from voiceclone_gateway.self_check import similarity_to_reference


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 2000
    max_audio_seconds: float = 120.0


@dataclass(frozen=True)
class VoiceInput:
    """Reference audio as the encoder's request body `{"wav": [...], "sr": Hz}`."""

    wav_request: bytes
    seconds: float

    @classmethod
    def from_samples(cls, wav: np.ndarray, sample_rate_hz: int) -> VoiceInput:
        body = orjson.dumps(
            {"wav": np.ascontiguousarray(wav, dtype=np.float32), "sr": sample_rate_hz},
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        return cls(body, len(wav) / sample_rate_hz)


@dataclass
class CloneResult:
    """Speech in the cloned voice; `timings_s` maps stage -> seconds spent in it."""

    waveform: Waveform
    embed: list[float]
    timings_s: dict[str, float] = field(default_factory=dict)
    # Encoder cosine between the result and the reference voice (self_check.py).
    similarity: float | None = None

    @property
    def seconds(self) -> float:
        return self.waveform.seconds

    def samples(self, sample_rate_hz: int = STACK_SAMPLE_RATE_HZ) -> np.ndarray:
        """Mono float32 samples at `sample_rate_hz`, shape (n,)."""
        return resample(self.waveform.samples(), self.waveform.sample_rate_hz, sample_rate_hz)

    def json_body(self, sample_rate_hz: int) -> bytes:
        """`{"wav": [...], "sr": Hz}` (the legacy response); the vocoder's bytes when the
        rate already matches."""
        if sample_rate_hz == self.waveform.sample_rate_hz:
            return self.waveform.json
        wav = self.samples(sample_rate_hz)
        return orjson.dumps({"wav": wav, "sr": sample_rate_hz},
                            option=orjson.OPT_SERIALIZE_NUMPY)


class ClonePipeline:
    def __init__(self, upstreams: Upstreams, limits: Limits | None = None,
                 self_check: bool = True) -> None:
        self.upstreams = upstreams
        self.limits = limits or Limits()
        self.self_check = self_check

    def check_text(self, text: str) -> None:
        if not text.strip():
            raise BadInput("text is empty: give the words to speak")
        if len(text) > self.limits.max_text_chars:
            raise BadInput(
                f"text is {len(text)} characters long; the limit is "
                f"{self.limits.max_text_chars} (GATEWAY_MAX_TEXT_CHARS)"
            )

    def check_voice(self, voice: VoiceInput) -> None:
        if voice.seconds <= 0:
            raise InvalidAudio("the reference audio is empty")
        if voice.seconds > self.limits.max_audio_seconds:
            raise InvalidAudio(
                f"the reference audio is {voice.seconds:.1f} s long; the limit is "
                f"{self.limits.max_audio_seconds:g} s (GATEWAY_MAX_AUDIO_SECONDS)"
            )

    async def embed(
        self, voice: VoiceInput, *, request_id: str, timings_s: dict[str, float] | None = None
    ) -> list[float]:
        """Reference audio -> 256-d speaker embedding."""
        self.check_voice(voice)
        async with _timed(timings_s, "encoder"):
            response = await self.upstreams.encoder.embed(voice.wav_request,
                                                          request_id=request_id)
        return response.embed

    async def clone_from_audio(
        self, voice: VoiceInput, text: str, *, request_id: str,
        timings_s: dict[str, float] | None = None,
    ) -> CloneResult:
        """Reference audio + text -> speech. `timings_s` fills in as stages finish, so a
        caller sees the time spent even when a later stage fails."""
        timings_s = {} if timings_s is None else timings_s
        self.check_text(text)
        embed = await self.embed(voice, request_id=request_id, timings_s=timings_s)
        return await self.clone_from_embedding(embed, text, request_id=request_id,
                                               timings_s=timings_s)

    async def clone_from_embedding(
        self, embed: list[float], text: str, *, request_id: str,
        timings_s: dict[str, float] | None = None,
    ) -> CloneResult:
        """Speaker embedding + text -> speech."""
        timings_s = {} if timings_s is None else timings_s
        self.check_text(text)
        async with _timed(timings_s, "synthesizer"):
            mel = await self.upstreams.synthesizer.synthesize(embed, text, request_id=request_id)
        async with _timed(timings_s, "vocoder"):
            waveform = await self.upstreams.vocoder.vocode(mel, request_id=request_id)
        result = CloneResult(waveform, embed, timings_s)
        if self.self_check:
            result.similarity = await similarity_to_reference(
                self.upstreams.encoder, result.samples(), embed, request_id=request_id,
                timings_s=timings_s)
        return result


@asynccontextmanager
async def _timed(timings_s: dict[str, float] | None, stage: str) -> AsyncIterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings_s is not None:
            timings_s[stage] = time.perf_counter() - start
