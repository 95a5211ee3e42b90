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


# Frames per block of the STFT: the block's float64 frames and complex128 spectrum stay
# under 1 MiB each (256 x 400 x 8 bytes), so they come from the heap and are reused
# instead of being mapped, faulted in and unmapped for every request; a 30 s clip done
# in one piece held ~25 MB of such temporaries. Blocks of 128 frames or more give the
# same float32 result as one piece.
BLOCK_FRAMES = 256


def wav_to_mel(wav: np.ndarray, frames: int | None = None) -> np.ndarray:
    """Power mel spectrogram of 16 kHz audio, shape = (frames, MEL_CHANNELS), float32.

    `frames` defaults to all of them (`n_frames(len(wav))`); more reads the audio as
    zero-padded (without making the padded copy), fewer computes only the first ones.
    """
    wav = np.asarray(wav, dtype=np.float32)
    total = n_frames(len(wav)) if frames is None else frames
    mel = np.empty((total, MEL_CHANNELS), dtype=np.float32)
    for first in range(0, total, BLOCK_FRAMES):
        last = min(total, first + BLOCK_FRAMES)
        np.matmul(_power_spectrum(wav, first, last), mel_filterbank().T, out=mel[first:last])
    return mel


def _power_spectrum(wav: np.ndarray, first: int, last: int) -> np.ndarray:
    """|STFT|^2 of frames [first, last), shape = (last - first, N_FFT // 2 + 1), float32.

    Frame f covers samples [f * HOP - N_FFT/2, f * HOP + N_FFT/2) of the zero-extended
    signal (librosa's centred frames with "constant" padding).
    """
    start = first * HOP_LENGTH - N_FFT // 2
    stop = (last - 1) * HOP_LENGTH - N_FFT // 2 + N_FFT
    segment = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, len(wav))
    if hi > lo:
        segment[lo - start : hi - start] = wav[lo:hi]
    frames = np.lib.stride_tricks.sliding_window_view(segment, N_FFT)[::HOP_LENGTH]
    # librosa windows in float64 and stores the STFT as complex64 (float32 input).
    spectrum = np.fft.rfft(frames * _hann_window(), axis=-1).astype(np.complex64)
    return np.abs(spectrum) ** 2
