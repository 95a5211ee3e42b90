"""From checked samples to embeddings: preprocessing in a thread pool, the LSTM batched.

    wav (any rate) -> [pool] resample, volume, VAD trim, checks, mel partials
                   -> [batcher] LSTM over (n, 160, 40) -> partial embeddings (n, 256)
                   -> mean, L2 norm -> embedding (256,)

Domain failures become the service's errors here, with messages that say what is
needed: silence, too little speech, audio too long, a sample rate out of range.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from voiceclone_common.errors import InvalidAudio, PayloadTooLarge

from voiceclone_encoder.audio import SilentAudio, preprocess_wav
from voiceclone_encoder.batching import PartialBatcher
from voiceclone_encoder.hparams import MAX_SOURCE_RATE_HZ, MIN_SOURCE_RATE_HZ, SAMPLE_RATE_HZ
from voiceclone_encoder.partials import combine_partials, l2_normalize, mel_partials

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    max_audio_s: float
    min_speech_s: float


@dataclass(frozen=True)
class Prepared:
    """An utterance ready for the model: what waits in the batcher's queue."""

    mels: np.ndarray  # (n_partials, 160, 40) float32, a view of one mel spectrogram
    speech_seconds: float


@dataclass(frozen=True)
class UtteranceEmbedding:
    embed: np.ndarray  # (256,) float32, L2-normalised, >= 0
    partials: np.ndarray  # (n_partials, 256) float32
    speech_seconds: float


def check_sample_rate(sr: int, field: str = "sr") -> None:
    if not MIN_SOURCE_RATE_HZ <= sr <= MAX_SOURCE_RATE_HZ:
        raise InvalidAudio(
            f"{field} must be a sample rate between {MIN_SOURCE_RATE_HZ} and "
            f"{MAX_SOURCE_RATE_HZ} Hz, got {sr}"
        )


def check_duration(n_samples: int, sr: int, limits: Limits, field: str = "wav") -> None:
    seconds = n_samples / sr
    if seconds > limits.max_audio_s:
        raise PayloadTooLarge(
            f"{field} is {seconds:.1f} s of audio; the limit is {limits.max_audio_s:g} s "
            "(ENCODER_MAX_AUDIO_S)"
        )


def speech_16k(
    wav: np.ndarray, sr: int, limits: Limits, field: str = "wav", *, overwrite: bool = False
) -> np.ndarray:
    """Checked preprocessing: samples at `sr` -> trimmed 16 kHz speech, or a 4xx error.

    `overwrite`: `wav` may be scaled in place (the caller gives it up)."""
    check_sample_rate(sr, field=f"sample rate of {field}")
    if len(wav) == 0:
        raise InvalidAudio(f"{field} is empty: send at least {limits.min_speech_s:g} s of speech")
    check_duration(len(wav), sr, limits, field)
    try:
        speech = preprocess_wav(wav, sr, overwrite=overwrite)
    except SilentAudio as exc:
        raise InvalidAudio(f"{field}: {exc}; send recorded speech") from exc
    seconds = len(speech) / SAMPLE_RATE_HZ
    if seconds < limits.min_speech_s:
        raise InvalidAudio(
            f"{field} has only {seconds:.2f} s of speech after silence trimming "
            f"({len(wav) / sr:.2f} s sent); at least {limits.min_speech_s:g} s of speech "
            "is needed (ENCODER_MIN_SPEECH_S)"
        )
    return speech


class EncoderPipeline:
    def __init__(
        self, batcher: PartialBatcher, executor: ThreadPoolExecutor, limits: Limits
    ) -> None:
        self.batcher = batcher
        self.executor = executor
        self.limits = limits

    async def run_in_pool(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def preprocess(self, wav: np.ndarray, sr: int, field: str = "wav") -> np.ndarray:
        return await self.run_in_pool(speech_16k, wav, sr, self.limits, field)

    def _prepare(self, wav: np.ndarray, sr: int, field: str) -> Prepared:
        # The routes hand their samples over: normalise them in place.
        speech = speech_16k(wav, sr, self.limits, field, overwrite=True)
        return Prepared(mel_partials(speech), len(speech) / SAMPLE_RATE_HZ)

    async def prepare(self, wav: np.ndarray, sr: int, field: str = "wav") -> Prepared:
        """Samples -> mel partials. Routes call it inside their audio slot and drop the
        samples before `embed_prepared`: only the small mels wait for the model."""
        return await self.run_in_pool(self._prepare, wav, sr, field)

    async def prepare_many(
        self, items: list[tuple[np.ndarray, int]], field: str = "items"
    ) -> list[Prepared]:
        return list(await asyncio.gather(
            *(self.prepare(wav, sr, f"{field}[{i}].wav") for i, (wav, sr) in enumerate(items))
        ))

    async def enqueue(self, prepared: Prepared) -> asyncio.Task[UtteranceEmbedding]:
        """Queue the mels for the model once there is room (backpressure: routes call it
        inside their audio slot); await the task for the embedding. Cancelling the task
        takes the partials off the queue if no worker has them yet."""
        await self.batcher.wait_for_room(len(prepared.mels))
        partials = self.batcher.submit(prepared.mels)
        return asyncio.ensure_future(_embedding(partials, prepared.speech_seconds))

    async def embed_prepared(self, prepared: Prepared) -> UtteranceEmbedding:
        return await (await self.enqueue(prepared))

    async def embed(self, wav: np.ndarray, sr: int, field: str = "wav") -> UtteranceEmbedding:
        return await self.embed_prepared(await self.prepare(wav, sr, field))

    async def enqueue_many(
        self, prepared: list[Prepared]
    ) -> Awaitable[list[UtteranceEmbedding]]:
        """One embedding per utterance; all of them are batched together."""
        pending: list[asyncio.Task[UtteranceEmbedding]] = []
        try:
            for item in prepared:
                pending.append(await self.enqueue(item))
        except BaseException:
            for task in pending:
                task.cancel()
            raise
        return asyncio.gather(*pending)


async def _embedding(
    partials: Awaitable[np.ndarray], speech_seconds: float
) -> UtteranceEmbedding:
    partial_embeds = await partials
    return UtteranceEmbedding(combine_partials(partial_embeds), partial_embeds, speech_seconds)


def speaker_embedding(embeds: list[UtteranceEmbedding]) -> tuple[np.ndarray, float]:
    """Normalised mean of the utterance embeddings (Resemblyzer's embed_speaker)."""
    speaker = l2_normalize(np.mean([e.embed for e in embeds], axis=0)).astype(np.float32)
    return speaker, sum(e.speech_seconds for e in embeds)
