"""Trimming and joining mel spectrograms."""

from __future__ import annotations

import numpy as np
from voiceclone_synthesizer.mels import join_mels, trim_trailing_silence


def test_trailing_frames_below_threshold_are_trimmed() -> None:
    mel = np.full((80, 10), -4.0, dtype=np.float32)
    mel[3, :6] = 0.0
    mel[5, 7] = -3.41  # still below -3.4
    assert trim_trailing_silence(mel).shape == (80, 6)


def test_all_silent_mel_keeps_one_frame() -> None:
    assert trim_trailing_silence(np.full((80, 5), -4.0)).shape == (80, 1)


def test_join_inserts_floor_level_pauses() -> None:
    a, b = np.zeros((80, 3), np.float32), np.ones((80, 2), np.float32)
    joined = join_mels([a, b], pause_s=0.05)
    assert joined.shape == (80, 3 + 4 + 2)
    assert (joined[:, 3:7] == -4.0).all()
    assert join_mels([a, b]).shape == (80, 5)
