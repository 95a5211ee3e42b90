"""Vocoder API (:8004): mel spectrogram -> waveform.

Legacy: `POST /inference` {"spec": 80 x T, "sr"} -> {"wav", "sr"}.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone_contracts.common import SampleRate


class VocodeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    spec: list[list[float]] = Field(description="80 x T mel spectrogram, RTVC normalisation.")
    sr: SampleRate = 16000
    pad_seconds: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        description="Seconds of silence appended (the original always added 1.0).",
    )


class VocodeResponse(BaseModel):
    wav: list[float]
    sr: int
