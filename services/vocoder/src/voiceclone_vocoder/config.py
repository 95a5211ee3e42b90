"""Vocoder settings: environment variables with the prefix VOCODER_ (see README)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from voiceclone_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOCODER_", extra="ignore")

    port: int = 8004
    # One intra-op thread by default: WaveRNN's per-sample steps are small, and on this
    # shared 2-core machine a second OpenMP thread waiting for a busy core made each
    # step 5-15x slower (measured with the stack's other services running).
    torch_threads: int = Field(default=1, description="0: one per core.")
    backend: Literal["auto", "griffinlim", "wavernn"] = Field(
        default="auto", description="auto: wavernn when the checkpoint exists, else griffinlim."
    )
    checkpoint: Path | None = Field(
        default=None, description="WaveRNN checkpoint; default MODELS_DIR/vocoder.pt."
    )
    wavernn_workers: int = Field(
        default=0, ge=0,
        description="WaveRNN: threads sampling groups of folds in parallel; 0: one per core.",
    )
    wavernn_kernel: Literal["auto", "compiled", "torch"] = Field(
        default="auto",
        description="WaveRNN's per-step products: the compiled AVX-512/AVX2 kernel when "
        "built (auto), required (compiled), or torch's.",
    )
    griffin_lim_iters: int = Field(default=60, ge=0, le=1000)
    griffin_lim_momentum: float = Field(default=0.0, ge=0.0, lt=1.0)
    target: int = Field(default=8000, gt=0, description="WaveRNN samples per fold.")
    overlap: int = Field(default=800, ge=0, description="WaveRNN cross-fade/warm-up samples.")
    max_frames: int = Field(
        default=2400, gt=1, description="Longest accepted mel in frames (2400 = 30 s)."
    )
    seed: int | None = Field(default=None, description="Default sampling seed; None: random.")
    max_queue: int = Field(default=8, ge=0, description="Requests waiting beyond this get 429.")
    min_output_sr: int = 8000
    max_output_sr: int = 48000

    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint if self.checkpoint is not None else self.models_dir / "vocoder.pt"
