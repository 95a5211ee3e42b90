"""Gateway settings: environment variables with the `GATEWAY_` prefix (plus the shared
`MODELS_DIR`, `DATA_DIR` and `DATABASE_URL`). Built in the app factory, never at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from voiceclone_common.settings import ServiceSettings

# Every stage the gateway calls, in pipeline order, plus the optional Tacotron server.
STAGES = ("encoder", "synthesizer", "synthesizer-model", "vocoder")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000

    # Upstreams.
    encoder_url: str = "http://127.0.0.1:8001"
    synthesizer_url: str = "http://127.0.0.1:8002"
    synthesizer_model_url: str = "http://127.0.0.1:8003"
    vocoder_url: str = "http://127.0.0.1:8004"
    # Connect timeout of every upstream call; read timeouts per stage. WaveRNN needs up
    # to ~8 s per second of speech on 2 cores (torch's products), hence the vocoder's
    # long default.
    connect_timeout_s: float = 2.0
    encoder_timeout_s: float = 60.0
    synthesizer_timeout_s: float = 300.0
    synthesizer_model_timeout_s: float = 300.0
    vocoder_timeout_s: float = 1800.0
    # Retries only for connections refused before the request was sent.
    connect_retries: int = 2
    retry_backoff_s: float = 0.1
    max_upstream_connections: int = 100
    # Below uvicorn's keep-alive timeout (5 s, what every upstream runs): the gateway
    # drops an idle pooled connection before the upstream can close it under a request.
    upstream_keepalive_s: float = Field(
        default=4.0, gt=0,
        description="Idle upstream connections are closed after this many seconds; keep "
        "it below the upstreams' keep-alive timeout (uvicorn: 5 s).",
    )
    # Which upstreams' /readyz the gateway's /readyz asks (comma-separated stage names).
    ready_upstreams: str = "encoder,synthesizer,vocoder"
    ready_requires_database: bool = True
    readiness_timeout_s: float = 2.0

    # Request log. Empty DATABASE_URL: SQLite file `gateway.sqlite3` under DATA_DIR.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    db_table_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_]{0,32}$")
    db_timeout_s: float = 5.0
    log_text: bool = False
    log_buffer_rows: int = Field(default=10_000, ge=1)
    log_batch_rows: int = Field(default=500, ge=1)
    log_flush_interval_s: float = Field(default=0.5, gt=0)
    log_retry_max_s: float = Field(default=10.0, gt=0)
    log_spill_path: Path | None = None

    # Access. API keys: comma-separated `id:secret` (or bare secrets, identified by a hash).
    api_keys: str = ""
    admin_key: str = ""
    rate_limit_per_minute: float = Field(default=0.0, ge=0)
    rate_limit_burst: int = Field(default=10, ge=1)

    # Self-check: embed every clone's result and report its cosine to the reference voice.
    self_check: bool = True

    # Limits (the body limit `GATEWAY_MAX_BODY_BYTES` comes from ServiceSettings).
    max_text_chars: int = Field(default=2000, ge=1)
    max_audio_seconds: float = Field(default=120.0, gt=0)
    # Long texts on the whole-text routes (/v1/clone, /inference-c, /inference-w).
    max_chars_per_call: int = Field(
        default=300, ge=1,
        description="Texts longer than this are synthesized and vocoded in sentence "
        "groups of at most this many characters, then joined.",
    )
    vocoder_max_frames: int = Field(
        default=2400, ge=2 * 16,
        description="The vocoder's per-call limit (VOCODER_MAX_FRAMES); a longer mel is "
        "cut at its quietest frames and vocoded in parts.",
    )

    def upstream_url(self, stage: str) -> str:
        return {
            "encoder": self.encoder_url,
            "synthesizer": self.synthesizer_url,
            "synthesizer-model": self.synthesizer_model_url,
            "vocoder": self.vocoder_url,
        }[stage].rstrip("/")

    def read_timeout_s(self, stage: str) -> float:
        return {
            "encoder": self.encoder_timeout_s,
            "synthesizer": self.synthesizer_timeout_s,
            "synthesizer-model": self.synthesizer_model_timeout_s,
            "vocoder": self.vocoder_timeout_s,
        }[stage]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gateway.sqlite3'}"

    def resolved_spill_path(self) -> Path:
        name = f"{self.db_table_prefix}request-log-spill.jsonl"
        return self.log_spill_path or self.data_dir / name
