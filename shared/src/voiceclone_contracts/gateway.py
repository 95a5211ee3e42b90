"""Gateway API (:8000): voice + text -> speech.

Legacy: `POST /inference-c` {"wav", "sr", "text"} and `POST /inference-w`
{"embed", "sr", "text"} -> {"wav", "sr"}.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone_contracts.common import Embedding, FiniteFloats, SampleRate


class CloneRequest(BaseModel):
    """`POST /inference-c`: the reference voice as samples, and the text to speak."""

    model_config = ConfigDict(extra="ignore")

    wav: FiniteFloats
    sr: SampleRate
    text: str


class CloneFromEmbedRequest(BaseModel):
    """`POST /inference-w`: a speaker embedding the caller already has, and the text."""

    model_config = ConfigDict(extra="ignore")

    embed: Embedding
    sr: SampleRate = 16000
    text: str


class CloneResponse(BaseModel):
    wav: list[float]
    sr: int
    similarity: float | None = Field(
        default=None,
        description="Encoder cosine between the result and the reference voice.",
    )
