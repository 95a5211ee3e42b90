"""The mel-spectrogram format of Real-Time-Voice-Cloning's synthesizer (its `audio.py`).

The synthesizer produces it and the vocoder consumes it, so it is part of the contract
between them and lives here, shared. numpy/scipy only: librosa is not imported at run
time; tests prove this module equal to librosa's STFT and mel filters.

A mel spectrogram here is `shape = (N_MELS, n_frames)` float32, normalised
symmetrically to [-MAX_ABS_VALUE, MAX_ABS_VALUE] = [-4, 4] and clipped: -4 is
MIN_LEVEL_DB (-100 dB) and +4 is 0 dB, both relative to REF_LEVEL_DB (20 dB):

    mel = clip(8 * (20 log10(max(1e-5, M @ |STFT(preemph(wav))|)) - 20 + 100) / 100 - 4, -4, 4)

with M the slaney-normalised mel filter bank (librosa.filters.mel, htk=False). The STFT
is librosa's: periodic Hann window of WIN_LENGTH, center=True with zero ("constant")
padding of N_FFT // 2 on both sides, which is librosa's default since 0.10 (RTVC was
written against librosa 0.8, whose default was "reflect"; the two differ only in the
first and last few frames). A wav of n samples gives `n_frames(n) = 1 + n // HOP_LENGTH`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import lfilter

from voiceclone_common.melscale import slaney_mel_filters

# --- Signal -----------------------------------------------------------------------------
SAMPLE_RATE_HZ = 16000
N_FFT = 800  # samples (50 ms)
HOP_LENGTH = 200  # samples (12.5 ms): one mel frame per hop
WIN_LENGTH = 800  # samples; equal to N_FFT, so the window needs no zero-padding
N_FREQS = N_FFT // 2 + 1  # 401 linear-frequency bins
PREEMPHASIS = 0.97  # first-order high-pass coefficient applied before the STFT

# --- Mel filter bank --------------------------------------------------------------------
N_MELS = 80
FMIN_HZ = 55.0
FMAX_HZ = 7600.0

# --- Level and normalisation ------------------------------------------------------------
REF_LEVEL_DB = 20.0  # subtracted after amplitude -> dB
MIN_LEVEL_DB = -100.0  # amplitude floor (1e-5) and the bottom of the normalised range
MAX_ABS_VALUE = 4.0  # normalised mels lie in [-4, 4]
LINEAR_FLOOR = 1e-10  # the pseudo-inverse of the mel basis is clipped at this amplitude

# --- Griffin-Lim inverse (RTVC's synthesizer hparams) ------------------------------------
GRIFFIN_LIM_POWER = 1.5  # magnitudes are raised to this before phase reconstruction
GRIFFIN_LIM_ITERS = 60

assert FMAX_HZ <= SAMPLE_RATE_HZ / 2, "fmax above Nyquist"
assert WIN_LENGTH == N_FFT, "the STFT below assumes an unpadded window"


def n_frames(n_samples: int) -> int:
    """Mel frames of a wav of `n_samples` (centered STFT): 1 + n_samples // HOP_LENGTH."""
    return 1 + n_samples // HOP_LENGTH


def preemphasis(wav: np.ndarray, k: float = PREEMPHASIS) -> np.ndarray:
    """y[n] = x[n] - k x[n-1]; float64 out."""
    x = np.asarray(wav, dtype=np.float64)
    return lfilter([1.0, -k], [1.0], x) if x.size else x.copy()


def inv_preemphasis(wav: np.ndarray, k: float = PREEMPHASIS) -> np.ndarray:
    """The inverse filter of `preemphasis`: y[n] = x[n] + k y[n-1]; float64 out."""
    x = np.asarray(wav, dtype=np.float64)
    return lfilter([1.0], [1.0, -k], x) if x.size else x.copy()


@lru_cache(maxsize=1)
def hann_window() -> np.ndarray:
    """Periodic Hann window of WIN_LENGTH (scipy.signal.get_window('hann', fftbins=True))."""
    n = np.arange(WIN_LENGTH, dtype=np.float64)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / WIN_LENGTH)
    window.setflags(write=False)
    return window


def stft(wav: np.ndarray) -> np.ndarray:
    """librosa.stft(wav, n_fft=800, hop_length=200, win_length=800), complex128.

    `shape = (N_FREQS, n_frames(len(wav)))`: centered, zero-padded by N_FFT // 2.
    """
    y = np.asarray(wav, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"expected a mono 1-D wav, got shape {y.shape}")
    padded = np.pad(y, N_FFT // 2, mode="constant")
    frames = sliding_window_view(padded, N_FFT)[::HOP_LENGTH]  # (n_frames, N_FFT), a view
    return np.fft.rfft(frames * hann_window(), axis=-1).T


@lru_cache(maxsize=1)
def mel_basis() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600), float32.

    `shape = (N_MELS, N_FREQS)`: triangular filters evenly spaced on the Slaney mel
    scale, each scaled to unit area in Hz ("slaney" norm). Read-only (cached).
    """
    return slaney_mel_filters(SAMPLE_RATE_HZ, N_FFT, N_MELS, FMIN_HZ, FMAX_HZ)


@lru_cache(maxsize=1)
def inverse_mel_basis() -> np.ndarray:
    """Moore-Penrose pseudo-inverse of `mel_basis()`, `shape = (N_FREQS, N_MELS)`, float64."""
    inverse = np.linalg.pinv(mel_basis().astype(np.float64))
    inverse.setflags(write=False)
    return inverse


def amp_to_db(amplitude: np.ndarray) -> np.ndarray:
    """20 log10(amplitude), floored at MIN_LEVEL_DB (amplitude 1e-5)."""
    floor = 10.0 ** (MIN_LEVEL_DB / 20.0)
    return 20.0 * np.log10(np.maximum(floor, amplitude))


def db_to_amplitude(db: np.ndarray) -> np.ndarray:
    """10 ** (db / 20)."""
    return np.power(10.0, np.asarray(db, dtype=np.float64) * 0.05)


def normalize(db: np.ndarray) -> np.ndarray:
    """dB relative to REF_LEVEL_DB -> [-4, 4], clipped (MIN_LEVEL_DB maps to -4)."""
    scaled = (2 * MAX_ABS_VALUE) * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS_VALUE
    return np.clip(scaled, -MAX_ABS_VALUE, MAX_ABS_VALUE)


def denormalize(mel: np.ndarray) -> np.ndarray:
    """[-4, 4] (clipped first) -> dB relative to REF_LEVEL_DB, float64."""
    clipped = np.clip(np.asarray(mel, dtype=np.float64), -MAX_ABS_VALUE, MAX_ABS_VALUE)
    return (clipped + MAX_ABS_VALUE) * -MIN_LEVEL_DB / (2 * MAX_ABS_VALUE) + MIN_LEVEL_DB


def melspectrogram(wav: np.ndarray) -> np.ndarray:
    """RTVC's synthesizer mel of a 16 kHz mono wav in [-1, 1].

    `shape = (N_MELS, n_frames(len(wav)))`, float32, values in [-4, 4].
    """
    magnitude = np.abs(stft(preemphasis(wav)))
    mel_amplitude = mel_basis().astype(np.float64) @ magnitude
    return normalize(amp_to_db(mel_amplitude) - REF_LEVEL_DB).astype(np.float32)


def mel_to_linear(mel_amplitude: np.ndarray) -> np.ndarray:
    """Mel amplitudes (N_MELS, T) -> linear magnitudes (N_FREQS, T) via the pseudo-inverse,
    clipped below at LINEAR_FLOOR; float64."""
    return np.maximum(LINEAR_FLOOR, inverse_mel_basis() @ np.asarray(mel_amplitude, np.float64))


def mel_to_magnitude(mel: np.ndarray) -> np.ndarray:
    """A normalised mel (N_MELS, T) -> the linear STFT magnitude it approximates,
    `shape = (N_FREQS, T)`, float64 (denormalise, + REF_LEVEL_DB, dB -> amplitude,
    pseudo-inverse): the first half of RTVC's `inv_mel_spectrogram`."""
    return mel_to_linear(db_to_amplitude(denormalize(mel) + REF_LEVEL_DB))
