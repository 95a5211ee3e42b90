"""Slaney's mel scale and the mel filter bank built on it (librosa.filters.mel's defaults).

Both mel formats of the stack use it: the encoder's 40-band power mel (16 kHz, n_fft 400,
0-8000 Hz) and the synthesizer's 80-band RTVC mel (16 kHz, n_fft 800, 55-7600 Hz).
numpy only, so no service has to import librosa; tests compare with librosa.
"""

from __future__ import annotations

import numpy as np

# Slaney's auditory scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
_F_SP_HZ = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP_HZ
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(freqs_hz: np.ndarray) -> np.ndarray:
    """Frequencies in Hz -> Slaney mels, float64."""
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    mels = freqs_hz / _F_SP_HZ
    high = freqs_hz >= _MIN_LOG_HZ
    mels[high] = _MIN_LOG_MEL + np.log(freqs_hz[high] / _MIN_LOG_HZ) / _LOG_STEP
    return mels


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """Slaney mels -> frequencies in Hz, float64 (the inverse of `hz_to_mel`)."""
    mels = np.asarray(mels, dtype=np.float64)
    freqs = _F_SP_HZ * mels
    high = mels >= _MIN_LOG_MEL
    freqs[high] = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels[high] - _MIN_LOG_MEL))
    return freqs


def slaney_mel_filters(
    sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float
) -> np.ndarray:
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with htk=False, norm="slaney".

    `shape = (n_mels, n_fft // 2 + 1)` float32, read-only: triangular filters evenly
    spaced on the Slaney mel scale, each scaled to unit area in Hz. Computed in float64,
    rounded once.
    """
    fft_hz = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate_hz)
    edges_mel = np.linspace(
        hz_to_mel(np.array([fmin_hz]))[0], hz_to_mel(np.array([fmax_hz]))[0], n_mels + 2
    )
    edges_hz = mel_to_hz(edges_mel)
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    basis = weights.astype(np.float32)
    basis.setflags(write=False)
    return basis
