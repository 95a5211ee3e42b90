"""Vocoder API (:8004): mel spectrogram -> waveform.

Legacy: `POST /inference` {"spec": 80 x T, "sr"} -> {"wav", "sr"}. `Accept: audio/wav`
gets a 16-bit WAV file instead of JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from voiceclone_contracts.common import SampleRate


class VocodeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    spec: list[list[float]] = Field(description="80 x T mel spectrogram, RTVC normalisation.")
    sr: SampleRate = Field(
        default=16000,
        description="Sample rate of the returned audio in Hz (made at 16 kHz, resampled).",
    )
    pad_seconds: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        description="Seconds of silence appended (the original always added 1.0).",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        description="Sampling seed: the same seed and spec give the same audio. "
        "Default: the service's VOCODER_SEED, else random.",
    )


class VocodeResponse(BaseModel):
    wav: list[float]
    sr: int
    backend: Literal["griffinlim", "wavernn"] | None = Field(
        default=None, description="Which vocoder made the audio."
    )
