"""The encoder's mel spectrogram, computed as librosa.feature.melspectrogram does.

Resemblyzer calls librosa with n_fft=400, hop=160, 40 mels at 16 kHz and otherwise the
defaults of librosa 0.10+: a periodic Hann window, centred frames with zero ("constant")
padding, a power (|STFT|^2) spectrogram and Slaney-normalised filters on the Slaney mel
scale. This module reproduces that with numpy alone, so that the service does not import
librosa (its numba compilation costs ~1.4 s at start and memory).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from voiceclone_common.melscale import slaney_mel_filters

from voiceclone_encoder.hparams import HOP_LENGTH, MEL_CHANNELS, N_FFT, SAMPLE_RATE_HZ


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """Triangular Slaney-normalised filters, shape = (MEL_CHANNELS, N_FFT // 2 + 1), float32."""
    return slaney_mel_filters(SAMPLE_RATE_HZ, N_FFT, MEL_CHANNELS, 0.0, SAMPLE_RATE_HZ / 2)


@lru_cache(maxsize=1)
def _hann_window() -> np.ndarray:
    """Periodic Hann window of N_FFT samples (scipy's get_window("hann", fftbins=True))."""
    n = np.arange(N_FFT)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)


def n_frames(n_samples: int) -> int:
    """Frames librosa produces for `n_samples` with centred framing."""
    return 1 + n_samples // HOP_LENGTH


def wav_to_mel(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram of 16 kHz audio, shape = (n_frames, MEL_CHANNELS), float32."""
    padded = np.pad(np.asarray(wav, dtype=np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH]
    # librosa windows in float64 and stores the STFT as complex64 (float32 input).
    spectrum = np.fft.rfft(frames * _hann_window(), axis=-1).astype(np.complex64)
    power = np.abs(spectrum) ** 2
    return (power @ mel_filterbank().T).astype(np.float32, copy=False)
