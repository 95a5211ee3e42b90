"""Encoder API (:8001): audio -> 256-d GE2E speaker embedding.

Legacy (Better-API): `POST /inference` {"wav", "sr"} -> {"embed"}; `POST /preprocess`
{"wav", "sr"} -> {"wav", "sr"}; `GET /check`. The rest is new.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone_contracts.common import Embedding, FiniteFloats, SampleRate


class WavRequest(BaseModel):
    """Mono audio as floats in [-1, 1] (what librosa.load returns) and its sample rate."""

    model_config = ConfigDict(extra="ignore")

    wav: FiniteFloats = Field(description="Mono samples, floats in [-1, 1].")
    sr: SampleRate


class InferenceRequest(WavRequest):
    """`POST /inference`: the legacy request, plus an opt-in for partial embeddings."""

    return_partials: bool = Field(
        default=False, description="Also return the embedding of every 1.6 s partial window."
    )


class EmbedResponse(BaseModel):
    """An L2-normalised, non-negative 256-d embedding (the legacy `embed` field)."""

    embed: Embedding
    partials: list[Embedding] | None = Field(
        default=None, description="Per-window embeddings, when asked for."
    )
    speech_seconds: float | None = Field(
        default=None, description="Seconds of speech left after silence trimming."
    )


class PreprocessResponse(BaseModel):
    """`POST /preprocess`: the encoder's preprocessing alone, at 16 kHz."""

    wav: list[float]
    sr: int = 16000


class BatchRequest(BaseModel):
    """Many utterances, one embedding each (not averaged)."""

    items: list[WavRequest] = Field(min_length=1)


class BatchResponse(BaseModel):
    embeds: list[Embedding]


class SpeakerRequest(BaseModel):
    """Several utterances of one person -> one speaker embedding."""

    utterances: list[WavRequest] = Field(min_length=1)


class SimilarityRequest(BaseModel):
    """Two voices, each given as audio or as an embedding."""

    a: WavRequest | None = None
    b: WavRequest | None = None
    embed_a: Embedding | None = None
    embed_b: Embedding | None = None


class SimilarityResponse(BaseModel):
    cosine: float = Field(description="Cosine similarity of the two embeddings, in [-1, 1].")
    same_speaker: bool
    threshold: float = Field(description="Cosine at or above which two voices are judged the same.")
