"""Settings of the synthesizer (:8002) and of the synthesizer-model server (:8003).

Both are built in their app factories (the environment is read then, never at import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from voiceclone_common.settings import ServiceSettings

BackendName = Literal["auto", "tacotron", "default"]
TACOTRON_CHECKPOINT_NAME = "synthesizer.pt"


class TacotronOptions(ServiceSettings):
    """What both services need to run Tacotron in-process."""

    checkpoint: Path | None = Field(
        default=None,
        description="Tacotron checkpoint; empty: MODELS_DIR/synthesizer.pt.",
    )
    prenet_dropout: bool = Field(
        default=True,
        description="Dropout in both pre-nets at inference, as RTVC does (varied prosody). "
        "Off: deterministic output.",
    )
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8: dynamic int8 decoder LSTMs, ~3x faster at batch 1, not "
        "bit-identical to RTVC. none: fp32, RTVC's exact arithmetic.",
    )
    max_decoder_steps: int = Field(
        default=2000, gt=0, description="Mel frames after which generation stops (RTVC: 2000)."
    )
    torch_threads: int = Field(
        default=1,
        description="Torch intra-op threads (0: one per core). 1 by default: the decoder "
        "loop runs ~30 small ops per step, and with other processes on the 2 cores a "
        "second thread made 3 s of mel take 26.6 s instead of 3.5 s.",
    )
    seed: int | None = Field(
        default=None, description="Seed torch's generator once at start (reproducible dropout)."
    )

    def tacotron_checkpoint(self) -> Path:
        return self.checkpoint or self.models_dir / TACOTRON_CHECKPOINT_NAME


class Settings(TacotronOptions):
    """Synthesizer service: env prefix `SYNTHESIZER_`."""

    model_config = SettingsConfigDict(env_prefix="SYNTHESIZER_", extra="ignore")

    port: int = 8002
    backend: BackendName = Field(
        default="auto",
        description="auto: tacotron when the checkpoint exists, else default.",
    )
    model_url: str = Field(
        default="",
        description="Empty: run Tacotron in-process; set: send batches to this "
        "synthesizer-model server's /generate.",
    )
    model_timeout_s: float = Field(default=120.0, gt=0, description="Per /generate call.")
    max_chars: int = Field(default=5000, gt=0, description="Longer texts get 422.")
    batch_size: int = Field(
        default=8, gt=0, description="Sentences per model call (RTVC: synthesis_batch_size)."
    )
    max_sentence_chars: int = Field(
        default=200, gt=20, description="Longer sentences are split at commas or spaces."
    )
    sentence_pause_s: float = Field(
        default=0.15, ge=0, le=2, description="Silence inserted between joined sentences."
    )
    max_queue: int = Field(
        default=16, gt=0, description="Requests in flight beyond this get 429."
    )


class ModelServerSettings(TacotronOptions):
    """Synthesizer-model server: env prefix `SYNTHESIZER_MODEL_`.

    `SYNTHESIZER_PRENET_DROPOUT` and `SYNTHESIZER_CHECKPOINT` are honoured too, so one
    environment configures both halves of a split deployment the same way.
    """

    model_config = SettingsConfigDict(
        env_prefix="SYNTHESIZER_MODEL_", extra="ignore", populate_by_name=True
    )

    port: int = 8003
    checkpoint: Path | None = Field(
        default=None,
        description="Tacotron checkpoint; empty: MODELS_DIR/synthesizer.pt.",
        validation_alias=AliasChoices("SYNTHESIZER_MODEL_CHECKPOINT", "SYNTHESIZER_CHECKPOINT"),
    )
    prenet_dropout: bool = Field(
        default=True,
        description="Dropout in both pre-nets at inference, as RTVC does. Off: deterministic.",
        validation_alias=AliasChoices(
            "SYNTHESIZER_MODEL_PRENET_DROPOUT", "SYNTHESIZER_PRENET_DROPOUT"
        ),
    )
    max_batch: int = Field(default=64, gt=0, description="Larger /generate batches get 422.")
    max_ids: int = Field(default=2000, gt=0, description="Longer id rows get 422.")
