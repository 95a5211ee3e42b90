"""Batched ("folded") generation bookkeeping and RAW-mode output decoding, as in RTVC.

A long conditioning sequence is cut into `num_folds` overlapping segments of
`target + 2 * overlap` samples that the RNN generates side by side; the segments are
then cross-faded back together (`xfade_and_unfold`): in each overlap, the first half of
the incoming segment is muted (RNN warm-up) and the second half is an equal-power
cross-fade with the outgoing one.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.signal import lfilter


def num_folds(total_len: int, target: int, overlap: int) -> int:
    """Segments needed to cover `total_len` samples: RTVC's count, at least one."""
    return max(1, math.ceil((total_len - overlap) / (target + overlap)))


def fold_with_overlap(x: torch.Tensor, target: int, overlap: int) -> torch.Tensor:
    """(1, total_len, features) -> (num_folds, target + 2 overlap, features).

    Fold i starts at sample i * (target + overlap); the end is zero-padded.
    """
    _, total_len, _ = x.shape
    n = num_folds(total_len, target, overlap)
    padded_len = n * (target + overlap) + overlap
    padded = torch.nn.functional.pad(x[0], (0, 0, 0, padded_len - total_len))
    # unfold: (n, features, length) windows with step target + overlap, no copy.
    return padded.unfold(0, target + 2 * overlap, target + overlap).transpose(1, 2)


def xfade_and_unfold(y: np.ndarray, overlap: int) -> np.ndarray:
    """(num_folds, target + 2 overlap) float64 -> (num_folds (target + overlap) + overlap,)."""
    folds, length = y.shape
    target = length - 2 * overlap
    silence_len = overlap // 2
    fade_len = overlap - silence_len
    t = np.linspace(-1.0, 1.0, fade_len, dtype=np.float64)
    fade_in = np.concatenate([np.zeros(silence_len), np.sqrt(0.5 * (1 + t))])
    fade_out = np.concatenate([np.sqrt(0.5 * (1 - t)), np.zeros(silence_len)])
    y = y.copy()
    if overlap:
        y[:, :overlap] *= fade_in
        y[:, -overlap:] *= fade_out
    unfolded = np.zeros(folds * (target + overlap) + overlap, dtype=np.float64)
    for i in range(folds):  # one add per segment, not per sample
        start = i * (target + overlap)
        unfolded[start : start + length] += y[i]
    return unfolded


def decode_mu_law(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Mu-law expansion of values in [-1, 1] with mu = n_classes - 1 (RTVC's decode_mu_law)."""
    mu = n_classes - 1
    return np.sign(y) / mu * ((1 + mu) ** np.abs(y) - 1)


def de_emphasis(x: np.ndarray, k: float) -> np.ndarray:
    return lfilter([1.0], [1.0, -k], x)


def fade_out_tail(wav: np.ndarray, n_samples: int) -> np.ndarray:
    """Linear fade to zero over the last `n_samples` (RTVC: 20 hops), in place."""
    fade = np.linspace(1.0, 0.0, n_samples)
    k = min(n_samples, len(wav))
    if k:
        wav[-k:] *= fade[n_samples - k :]
    return wav
