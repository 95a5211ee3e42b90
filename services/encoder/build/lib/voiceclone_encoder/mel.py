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

from voiceclone_encoder.hparams import HOP_LENGTH, MEL_CHANNELS, N_FFT, SAMPLE_RATE_HZ

# Slaney's mel scale: linear below 1 kHz, logarithmic above.
_F_SP_HZ = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP_HZ
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(freqs_hz: np.ndarray) -> np.ndarray:
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    mels = freqs_hz / _F_SP_HZ
    high = freqs_hz >= _MIN_LOG_HZ
    mels[high] = _MIN_LOG_MEL + np.log(freqs_hz[high] / _MIN_LOG_HZ) / _LOG_STEP
    return mels


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    freqs = _F_SP_HZ * mels
    high = mels >= _MIN_LOG_MEL
    freqs[high] = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels[high] - _MIN_LOG_MEL))
    return freqs


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """Triangular Slaney-normalised filters, shape = (MEL_CHANNELS, N_FFT // 2 + 1), float32."""
    fft_freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE_HZ)
    mel_edges = mel_to_hz(
        np.linspace(hz_to_mel(np.array([0.0]))[0], hz_to_mel(np.array([SAMPLE_RATE_HZ / 2]))[0],
                    MEL_CHANNELS + 2)
    )
    widths = np.diff(mel_edges)
    ramps = np.subtract.outer(mel_edges, fft_freqs)
    weights = np.zeros((MEL_CHANNELS, len(fft_freqs)), dtype=np.float32)
    for i in range(MEL_CHANNELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    # Slaney normalisation: each filter has the same area.
    weights *= (2.0 / (mel_edges[2 : MEL_CHANNELS + 2] - mel_edges[:MEL_CHANNELS]))[:, None]
    weights.flags.writeable = False
    return weights


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
