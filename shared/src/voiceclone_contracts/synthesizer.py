"""Synthesizer API (:8002) and synthesizer-model API (:8003).

Legacy synthesizer: `POST /inference` {"embed": [256], "text"} -> {"spec": 80 x T}.
Legacy synthesizer-model: `/generate` (GET with body, and POST)
{"chars": B x L ids, "batched_embeds": B x 256} -> a bare B x 80 x T list.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, RootModel

from voiceclone_contracts.common import Embedding


class SynthesizeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    embed: Embedding = Field(
        description="256-d speaker embedding (the encoder's output). Scaled to unit L2 "
        "norm if it is not; all zeros is rejected."
    )
    text: str = Field(
        description="Text to speak: any Unicode (transliterated), split into sentences "
        "and joined; empty or over the service's maximum length is rejected."
    )


class SynthesizeResponse(BaseModel):
    """An 80 x T mel spectrogram in RTVC's symmetric normalisation, [-4, 4]."""

    spec: list[list[float]]


class GenerateRequest(BaseModel):
    """A batch for the Tacotron model server: zero-padded symbol ids and embeddings."""

    chars: list[list[int]] = Field(min_length=1, description="B x L symbol ids, zero-padded.")
    batched_embeds: list[Embedding] = Field(min_length=1, description="B x 256 embeddings.")


class GenerateResponse(RootModel[list[list[list[float]]]]):
    """B mel spectrograms as a bare JSON list (the legacy shape): B x 80 x T, one T for
    the whole batch, untrimmed (the caller cuts trailing frames below -3.4)."""
