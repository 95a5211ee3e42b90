"""Gateway API (:8000): voice + text -> speech.

Legacy: `POST /inference-c` {"wav", "sr", "text"} and `POST /inference-w`
{"embed", "sr", "text"} -> {"wav", "sr"}.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class CloneJSONRequest(BaseModel):
    """`POST /v1/clone` as JSON: a voice (samples + their rate, or an embedding) + text.

    Multipart works too: a `voice` file (WAV/FLAC/OGG), an `embed` field (a JSON list) or
    a `voice_id`, plus `text` and optionally `output_sr`.
    """

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="What to say.")
    wav: FiniteFloats | None = Field(default=None, description="Reference voice, mono floats.")
    sr: SampleRate | None = Field(default=None, description="Sample rate of `wav`, Hz.")
    embed: Embedding | None = Field(default=None, description="A speaker embedding instead.")
    voice_id: str | None = Field(
        default=None, description="Or a stored voice's id or name (see /v1/voices)."
    )
    output_sr: SampleRate = Field(default=16000, description="Sample rate of the result, Hz.")

    @model_validator(mode="after")
    def _one_voice(self) -> CloneJSONRequest:
        given = [self.wav is not None, self.embed is not None, self.voice_id is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of `wav` (with `sr`), `embed` or `voice_id`")
        if self.wav is not None and self.sr is None:
            raise ValueError("`sr` (the sample rate of `wav`, Hz) is required with `wav`")
        return self


class RequestLogEntry(BaseModel):
    """One row of the gateway's request log (`GET /v1/requests`). Times in ms, audio in s."""

    row_id: str
    request_id: str
    created_at: str = Field(description="UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'.")
    method: str
    route: str
    path: str
    status: int
    error_type: str | None = None
    client_addr: str | None = None
    api_key_id: str | None = None
    total_ms: float
    encoder_ms: float | None = None
    synthesizer_ms: float | None = None
    synthesizer_model_ms: float | None = None
    vocoder_ms: float | None = None
    input_audio_s: float | None = None
    text_chars: int | None = None
    output_audio_s: float | None = None
    bytes_in: int
    bytes_out: int
    text: str | None = None


class RequestLogPage(BaseModel):
    requests: list[RequestLogEntry] = Field(description="Newest first.")
