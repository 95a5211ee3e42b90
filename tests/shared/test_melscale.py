"""Slaney's mel scale and filter bank equal librosa's, for both mel formats of the stack."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from voiceclone_common.melscale import hz_to_mel, mel_to_hz, slaney_mel_filters


def test_mel_scale_round_trips() -> None:
    hz = np.array([0.0, 440.0, 1000.0, 3999.0, 8000.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(hz)), hz, rtol=1e-9, atol=1e-9)


def test_mel_scale_equals_librosa() -> None:
    hz = np.array([0.0, 55.0, 440.0, 999.0, 1000.0, 3999.0, 7600.0, 8000.0])
    np.testing.assert_allclose(hz_to_mel(hz), librosa.hz_to_mel(hz), rtol=1e-12)


@pytest.mark.parametrize(
    ("n_fft", "n_mels", "fmin", "fmax"), [(400, 40, 0.0, 8000.0), (800, 80, 55.0, 7600.0)]
)
def test_filters_equal_librosa(n_fft: int, n_mels: int, fmin: float, fmax: float) -> None:
    ours = slaney_mel_filters(16000, n_fft, n_mels, fmin, fmax)
    expected = librosa.filters.mel(sr=16000, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    assert ours.shape == expected.shape and ours.dtype == np.float32
    assert not ours.flags.writeable
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-8)
