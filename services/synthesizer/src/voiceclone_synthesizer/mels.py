"""Mel spectrogram helpers shared by the backends and the pipeline.

Mels are (80, T) float32 in RTVC's symmetric normalisation: -4 is the -100 dB floor,
+4 full scale; 80 frames per second at 16 kHz (hop 200 samples).
"""

from __future__ import annotations

import numpy as np

STOP_THRESHOLD = -3.4
MEL_FLOOR = -4.0
FRAMES_PER_SECOND = 80.0


def trim_trailing_silence(mel: np.ndarray, threshold: float = STOP_THRESHOLD) -> np.ndarray:
    """Drop trailing frames whose maximum is below `threshold` (RTVC's rule).

    Unlike RTVC (which would index an empty array), an all-silent mel keeps one frame.
    """
    loud = np.flatnonzero(mel.max(axis=0) >= threshold)
    end = int(loud[-1]) + 1 if loud.size else min(1, mel.shape[1])
    return mel[:, :end]


def join_mels(mels: list[np.ndarray], pause_s: float = 0.0) -> np.ndarray:
    """Concatenate along time, with `pause_s` of floor-level silence between items."""
    if not mels:
        raise ValueError("no mel spectrograms to join")
    n_pause = round(pause_s * FRAMES_PER_SECOND)
    parts: list[np.ndarray] = []
    for index, mel in enumerate(mels):
        if index and n_pause:
            parts.append(np.full((mel.shape[0], n_pause), MEL_FLOOR, dtype=np.float32))
        parts.append(mel.astype(np.float32, copy=False))
    return np.concatenate(parts, axis=1)
