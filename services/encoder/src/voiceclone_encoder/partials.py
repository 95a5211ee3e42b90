"""Cutting an utterance into the encoder's partial windows, and joining their embeddings.

Same slicing as Resemblyzer's `compute_partial_slices(n, rate=1.25, min_coverage=0.75)`:
windows of 160 frames starting every 80 frames; the last one is dropped when the audio
covers less than 75% of it (unless it is the only one), and the audio is zero-padded
to the end of the last window before the mel spectrogram is computed.
"""

from __future__ import annotations

import numpy as np

from voiceclone_encoder.hparams import (
    HOP_LENGTH,
    MIN_COVERAGE,
    PARTIAL_FRAMES,
    PARTIAL_STEP_FRAMES,
)
from voiceclone_encoder.mel import wav_to_mel


def partial_starts(n_samples: int) -> list[int]:
    """First mel frame of every partial window of an `n_samples` long 16 kHz utterance."""
    n_frames = int(np.ceil((n_samples + 1) / HOP_LENGTH))
    steps = max(1, n_frames - PARTIAL_FRAMES + PARTIAL_STEP_FRAMES + 1)
    starts = list(range(0, steps, PARTIAL_STEP_FRAMES))
    last_start_sample = starts[-1] * HOP_LENGTH
    coverage = (n_samples - last_start_sample) / (PARTIAL_FRAMES * HOP_LENGTH)
    if coverage < MIN_COVERAGE and len(starts) > 1:
        starts.pop()
    return starts


def mel_partials(wav: np.ndarray) -> np.ndarray:
    """Preprocessed 16 kHz speech -> partial mel windows, shape = (n, 160, 40), float32.

    A read-only strided view of one mel spectrogram: consecutive windows overlap by
    half, so the view holds half the memory of stacked copies while a request waits
    for the model (the batcher copies windows into its batch). Frames after the last
    window are not computed.
    """
    starts = partial_starts(len(wav))
    # Frames past the audio see zeros, as Resemblyzer's padding to the end of the last
    # window gives them; each frame depends only on the samples around it.
    mel = wav_to_mel(wav, starts[-1] + PARTIAL_FRAMES)
    windows = np.lib.stride_tricks.sliding_window_view(mel, PARTIAL_FRAMES, axis=0)
    # (n_windows, 40, 160) -> every PARTIAL_STEP_FRAMES-th, as (n, 160, 40)
    return windows[:: PARTIAL_STEP_FRAMES][: len(starts)].transpose(0, 2, 1)


def l2_normalize(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector, 2)
    return vector / norm if norm > 0 else vector


def combine_partials(partial_embeds: np.ndarray) -> np.ndarray:
    """(n, 256) partial embeddings -> one L2-normalised (256,) utterance embedding."""
    return l2_normalize(np.mean(partial_embeds, axis=0)).astype(np.float32)
