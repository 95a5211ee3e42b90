"""Voice cloning as a sequence of upstream calls: encoder -> synthesizer -> vocoder.

Routers (the legacy routes, `/v1/clone`, and later stored voices, the OpenAI-compatible
endpoint and streaming) all clone through `ClonePipeline`; it knows nothing of HTTP
requests, responses or the log, and reports how long each stage took.

Audio travels as JSON bytes between the stages and is parsed only where the caller
needs samples (`CloneResult.samples`), which keeps the gateway's own cost near zero.

A text up to `Limits.max_chars_per_call` goes through one synthesizer call and one
vocoder call. A longer one would make a mel over the vocoder's limit (30 s), so it is
split into sentence groups of at most that many characters and spoken piece by piece
through `speech_stream.speak_pieces`, the streaming routes' own path, then joined.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field

import numpy as np
import orjson
from voiceclone_common.errors import BadInput, InvalidAudio

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.clients import Upstreams, Waveform
from voiceclone_gateway.mel_split import vocode_any_length
from voiceclone_gateway.self_check import similarity_to_reference
from voiceclone_gateway.sentences import group_sentences, split_sentences
from voiceclone_gateway.speech_stream import speak_pieces, timed


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 2000
    max_audio_seconds: float = 120.0
    # Longer texts are spoken in sentence groups of at most this many characters
    # (~5 mel frames per character: 300 characters ~ 1500-2100 frames).
    max_chars_per_call: int = 300
    # The vocoder's per-call limit (VOCODER_MAX_FRAMES): longer mels are cut.
    vocoder_max_frames: int = 2400


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
        async with timed(timings_s, "encoder"):
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
        pieces = self.pieces(text)
        if len(pieces) > 1:
            waveform = await self._speak_in_pieces(embed, pieces, request_id=request_id,
                                                   timings_s=timings_s)
        else:  # the common case: one call each, the vocoder's bytes passed on untouched
            async with timed(timings_s, "synthesizer"):
                mel = await self.upstreams.synthesizer.synthesize(embed, text,
                                                                  request_id=request_id)
            async with timed(timings_s, "vocoder"):
                waveform = await vocode_any_length(
                    self.upstreams.vocoder, mel, max_frames=self.limits.vocoder_max_frames,
                    request_id=request_id)
        result = CloneResult(waveform, embed, timings_s)
        if self.self_check:
            result.similarity = await similarity_to_reference(
                self.upstreams.encoder, result.samples(), embed, request_id=request_id,
                timings_s=timings_s)
        return result

    def pieces(self, text: str) -> list[str]:
        """The texts of the upstream calls for `text`: itself when short enough, else
        its sentences in groups of at most `max_chars_per_call` characters."""
        if len(text) <= self.limits.max_chars_per_call:
            return [text]
        return group_sentences(split_sentences(text), self.limits.max_chars_per_call)

    async def _speak_in_pieces(
        self, embed: list[float], pieces: list[str], *, request_id: str,
        timings_s: dict[str, float],
    ) -> Waveform:
        parts: list[np.ndarray] = []
        async with aclosing(speak_pieces(self, embed, pieces, request_id=request_id,
                                         timings_s=timings_s)) as spoken:
            async for piece in spoken:
                parts.append(piece.samples)
        return Waveform.from_samples(np.concatenate(parts), STACK_SAMPLE_RATE_HZ)
