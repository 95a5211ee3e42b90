"""Shapes every service shares: the error body, health bodies, and field types."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# The GE2E speaker encoder's output size and the synthesizer's mel channels: fixed by
# the Real-Time-Voice-Cloning checkpoints, so fixed by the contracts.
EMBEDDING_SIZE = 256
MEL_CHANNELS = 80
# The legacy check endpoint answered this bare JSON string.
CHECK_MESSAGE = "service available"


def _all_finite(values: list[float]) -> list[float]:
    for index, value in enumerate(values):
        if not math.isfinite(value):
            raise ValueError(f"value at index {index} is not a finite number")
    return values


# A list of finite floats. JSON has no NaN/Infinity, but Python's json module and
# some clients emit them; they must never reach a model.
FiniteFloats = Annotated[list[float], AfterValidator(_all_finite)]


def _embedding(values: list[float]) -> list[float]:
    if len(values) != EMBEDDING_SIZE:
        raise ValueError(f"must have exactly {EMBEDDING_SIZE} values, got {len(values)}")
    return _all_finite(values)


Embedding = Annotated[list[float], AfterValidator(_embedding)]

SampleRate = Annotated[int, Field(gt=0, description="Sample rate in Hz.")]


class ErrorBody(BaseModel):
    """The one error body of every service: what went wrong, in words a person can act on.

    `error_type` is a stable machine-readable name (e.g. `invalid_audio`,
    `payload_too_large`, `upstream_timeout`); `stage` names the upstream service that
    failed when the gateway relays an error; `detail` carries per-field validation errors.
    """

    model_config = ConfigDict(extra="forbid")

    error: str
    error_type: str
    stage: str | None = None
    detail: list[dict[str, Any]] | None = None


class HealthStatus(BaseModel):
    status: Literal["ok", "unavailable"]


class ReadinessBody(BaseModel):
    """`/readyz`: `ok` only when every check passed; each check says why it failed."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
