"""Backend selection: which vocoder turns mels into speech, chosen by configuration.

    griffinlim  GriffinLimVocoder: no model, always available (the default).
    wavernn     WaveRNNVocoder: RTVC's neural vocoder from `vocoder.pt`.
    auto        wavernn when the checkpoint file exists, else griffinlim.

Every backend offers `infer(mel, seed=...) -> float32 wav at 16 kHz` and
`output_length(n_frames)`; `Vocoder` wraps the chosen one with the request options.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from voiceclone_vocoder.config import Settings
from voiceclone_vocoder.errors import CheckpointError
from voiceclone_vocoder.griffinlim import GriffinLimVocoder

logger = logging.getLogger(__name__)

BackendName = Literal["griffinlim", "wavernn"]


class Backend(Protocol):
    def infer(self, mel: np.ndarray, *, seed: int | None = None) -> np.ndarray: ...

    def output_length(self, n_frames: int) -> int: ...


@dataclass
class Vocoder:
    """The configured backend and how it is called."""

    name: BackendName
    backend: Backend
    target: int = 8000
    overlap: int = 800
    min_frames: int = 2

    def infer(self, mel: np.ndarray, seed: int | None = None) -> np.ndarray:
        """(80, T) normalised mel -> float32 wav at 16 kHz, peak at most 1."""
        if self.name == "wavernn":
            wav = self.backend.infer(  # type: ignore[call-arg]
                mel, seed=seed, target=self.target, overlap=self.overlap
            )
        else:
            wav = self.backend.infer(mel, seed=seed)
        peak = float(np.abs(wav).max(initial=0.0))
        if peak > 1.0:
            # De-emphasis can push WaveRNN output past full scale; scale, never clip.
            wav = wav / peak
        return wav


def resolve_backend(settings: Settings) -> BackendName:
    if settings.backend != "auto":
        return settings.backend
    return "wavernn" if settings.checkpoint_path.is_file() else "griffinlim"


def load_vocoder(settings: Settings) -> Vocoder:
    """Build the configured backend; CheckpointError stops the service with the reason."""
    name = resolve_backend(settings)
    if name == "wavernn":
        from voiceclone_vocoder.wavernn import WaveRNNVocoder

        workers = settings.wavernn_workers or os.cpu_count() or 1
        wavernn = WaveRNNVocoder.load(
            settings.checkpoint_path, workers=workers, kernel=settings.wavernn_kernel
        )
        logger.info("vocoder backend: wavernn from %s, %d sampling workers, %s products",
                    settings.checkpoint_path, workers, wavernn.sampler.kernel)
        backend: Backend = wavernn
    else:
        backend = GriffinLimVocoder(
            n_iter=settings.griffin_lim_iters, momentum=settings.griffin_lim_momentum
        )
        logger.info("vocoder backend: griffinlim, %d iterations", settings.griffin_lim_iters)
    if settings.overlap < 0 or settings.target <= 0:
        raise CheckpointError("VOCODER_TARGET must be > 0 and VOCODER_OVERLAP >= 0")
    return Vocoder(name=name, backend=backend, target=settings.target, overlap=settings.overlap)
