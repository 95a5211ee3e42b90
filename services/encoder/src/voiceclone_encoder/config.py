"""Encoder settings: environment variables with the `ENCODER_` prefix (plus MODELS_DIR)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from voiceclone_common.settings import ServiceSettings

# Measured with bench/encoder/threshold.py on six synthetic SVOX Pico speakers (2 voices x
# 3 pitches, 4 sentences each): same speaker, different sentence >= 0.893; different
# speakers <= 0.900 (one pair: the same voice at pitch 1.0 vs 1.25), all others <= 0.888.
# 0.89 makes one error in 276 pairs. Real voices differ more than Pico's pitch variants:
# calibrate on your own data (README, "Same-speaker threshold").
DEFAULT_SAME_SPEAKER_THRESHOLD = 0.89


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENCODER_", extra="ignore")

    port: int = 8001
    checkpoint: Path | None = Field(
        default=None,
        description="Encoder weights; default MODELS_DIR/encoder.pt if present, else "
        "the pretrained.pt packaged in resemblyzer.",
    )
    precision: Literal["fp32", "bf16"] = Field(
        default="fp32", description="bf16: bfloat16 weights for the LSTM (opt-in)."
    )
    max_audio_s: float = Field(default=120.0, gt=0, description="Longer audio gets 413.")
    min_speech_s: float = Field(
        default=1.0, ge=0, description="Less speech than this after trimming gets 422."
    )
    max_batch_items: int = Field(default=64, ge=1, description="Utterances per batch request.")
    # Each model worker keeps heap for one batch of this size (model.forward_heap_bytes:
    # 16 MiB for 24, about half of it touched). Measured CPU per partial, 1 thread:
    # 4.61 ms at 10, 4.36 at 24, 4.29 at 32; more buys little and costs memory.
    max_batch_partials: int = Field(
        default=24, ge=1, description="Partial windows per LSTM forward pass."
    )
    max_queue_partials: int = Field(
        default=2048, ge=1, description="Queued partial windows before 429."
    )
    model_workers: int = Field(
        default=0, ge=0, description="Threads running LSTM batches in parallel; 0: one per core."
    )
    torch_threads: int = Field(
        default=1, ge=0, description="Intra-op torch threads per model worker (0: one per core)."
    )
    # The memory bound (api/admission.py). 2, not 1: a slow uploader then holds one slot
    # while the other keeps serving.
    ingress_limit: int = Field(
        default=2, ge=1,
        description="Requests reading their body or preprocessing its audio at the same "
        "time; the others wait with their body unread.",
    )
    preprocess_workers: int = Field(
        default=2, ge=1, description="Threads for decoding, resampling, VAD and mels."
    )
    same_speaker_threshold: float = Field(
        default=DEFAULT_SAME_SPEAKER_THRESHOLD, ge=-1, le=1,
        description="Cosine at or above which /similarity says same speaker.",
    )
