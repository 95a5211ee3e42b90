"""OpenAI-compatible speech (gateway :8000, `POST /v1/audio/speech`).

The request and error shapes of OpenAI's text-to-speech API, so that its official
clients work against the gateway. `voice` names a stored voice (its id or its name).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# OpenAI's own limit on `input`; long texts are split into sentences and streamed.
MAX_INPUT_CHARS = 4096
# OpenAI's `pcm` is 24 kHz 16-bit little-endian; we keep that promise for drop-in use.
OPENAI_PCM_SAMPLE_RATE = 24000

ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="Accepted for compatibility (e.g. `tts-1`); one model here.")
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)
    voice: str = Field(min_length=1, description="A stored voice's id or name.")
    response_format: ResponseFormat = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    instructions: str | None = Field(default=None, description="Accepted and ignored.")
    stream: bool = Field(
        default=True,
        description="Extension: false makes wav and pcm come whole (with the similarity "
        "header) instead of sentence by sentence.",
    )


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """`{"error": {"message", "type", "param", "code"}}`, OpenAI's error body."""

    error: OpenAIErrorDetail
