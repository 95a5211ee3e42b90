"""Stored voices (gateway :8000, `/v1/voices`): a name -> a speaker embedding.

A voice is the speaker embedding of one or more samples of one person, stored by the
gateway under a name and owned by the API key that created it. Clone requests, the
OpenAI-compatible speech endpoint and the CLI's `say` refer to it by id or name.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from voiceclone_contracts.common import Embedding, FiniteFloats, SampleRate

# Names are what people type on a command line and pick from a list: keep them short
# and printable.
VOICE_NAME_PATTERN = r"^[\w][\w .'-]{0,63}$"


class VoiceSample(BaseModel):
    """One utterance of the voice, as JSON: mono floats in [-1, 1] and the sample rate."""

    model_config = ConfigDict(extra="ignore")

    wav: FiniteFloats
    sr: SampleRate


class VoiceCreateRequest(BaseModel):
    """`POST /v1/voices` as JSON (multipart `name` + one or more `samples` files works too)."""

    name: str = Field(pattern=VOICE_NAME_PATTERN, description="1-64 letters, digits, ' .-_")
    samples: list[VoiceSample] = Field(min_length=1, max_length=16)


class Voice(BaseModel):
    """A stored voice. `embed` is present in the single-voice view, not in lists."""

    id: str = Field(description="Stable id, e.g. `voice_3f9c...`.")
    name: str
    created_at: datetime
    samples: int = Field(description="How many samples the embedding was made from.")
    speech_seconds: float | None = Field(
        default=None, description="Seconds of speech in the samples after silence trimming."
    )
    embed: Embedding | None = None


class VoiceList(BaseModel):
    voices: list[Voice]
