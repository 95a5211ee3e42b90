"""One request's log row, filled in as the request goes (middleware, auth, routes)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from voiceclone_gateway.db import utc_timestamp

# Log columns in insert order (see db/migrations.py).
COLUMNS = (
    "row_id", "request_id", "created_at", "method", "route", "path", "status",
    "error_type", "client_addr", "api_key_id", "total_ms", "encoder_ms", "synthesizer_ms",
    "synthesizer_model_ms", "vocoder_ms", "input_audio_s", "text_chars", "output_audio_s",
    "bytes_in", "bytes_out", "text", "similarity",
)
STAGE_COLUMNS = {
    "encoder": "encoder_ms", "synthesizer": "synthesizer_ms",
    "synthesizer-model": "synthesizer_model_ms", "vocoder": "vocoder_ms",
}


@dataclass
class RequestRecord:
    """What the gateway knows about one request. `row_id` keys the row (inserts are
    idempotent on it); `request_id` is the caller's X-Request-ID, which a caller may
    reuse across retries, so it is indexed but not unique."""

    request_id: str
    method: str
    path: str
    client_addr: str | None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_perf_s: float = field(default_factory=time.perf_counter)
    row_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    route: str = "unmatched"
    status: int = 0
    error_type: str | None = None
    api_key_id: str | None = None
    total_s: float = 0.0
    stage_s: dict[str, float] = field(default_factory=dict)
    input_audio_s: float | None = None
    text: str | None = None
    output_audio_s: float | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    similarity: float | None = None  # self-check: result vs reference voice

    def to_row(self, *, keep_text: bool) -> dict[str, Any]:
        def ms(stage: str) -> float | None:
            seconds = self.stage_s.get(stage)
            return None if seconds is None else round(seconds * 1000, 3)

        return {
            "row_id": self.row_id,
            "request_id": self.request_id,
            "created_at": utc_timestamp(self.started),
            "method": self.method,
            "route": self.route[:255],
            "path": self.path[:1024],
            "status": self.status,
            "error_type": self.error_type,
            "client_addr": self.client_addr,
            "api_key_id": self.api_key_id,
            "total_ms": round(self.total_s * 1000, 3),
            **{column: ms(stage) for stage, column in STAGE_COLUMNS.items()},
            "input_audio_s": self.input_audio_s,
            "text_chars": None if self.text is None else len(self.text),
            "output_audio_s": self.output_audio_s,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "text": self.text if keep_text else None,
            "similarity": self.similarity,
        }


    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started_perf_s

    def server_timing(self) -> str:
        """A `Server-Timing` header value: each stage so far and the total, in ms."""
        parts = [f"{stage};dur={seconds * 1000:.1f}" for stage, seconds in self.stage_s.items()]
        parts.append(f"total;dur={self.elapsed_s() * 1000:.1f}")
        return ", ".join(parts)


def record_of(request: Request) -> RequestRecord:
    """The record the request-log middleware attached to this request."""
    return request.state.record
