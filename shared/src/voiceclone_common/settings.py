"""Settings every service has. Each service subclasses with its own env prefix.

Built in the app factory (`Settings()` reads the environment then), never at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Shared across services (no prefix): where RTVC checkpoints and local state live.
    models_dir: Path = Field(default=Path("models"), validation_alias="MODELS_DIR")
    data_dir: Path = Field(default=Path("data"), validation_alias="DATA_DIR")
    max_body_bytes: int = Field(default=64 * 1024 * 1024, description="Larger bodies get 413.")
    torch_threads: int = Field(default=0, description="0: one per core.")
