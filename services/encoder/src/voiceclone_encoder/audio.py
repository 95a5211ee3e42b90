"""Waveform preprocessing, as Real-Time-Voice-Cloning's encoder expects it.

resample to 16 kHz -> raise the volume to -30 dBFS (never lower it) -> cut long silences
with webrtcvad. Every function takes and returns mono float32 samples in [-1, 1]-ish
(volume normalisation may push peaks past 1, as the reference does).

The arithmetic follows Resemblyzer's `preprocess_wav` step by step and in the same dtypes,
so that the voice-activity decisions (made on 16-bit rounded samples) come out identical.
"""

from __future__ import annotations

import numpy as np
import soxr
import webrtcvad

from voiceclone_encoder.hparams import (
    INT16_MAX,
    SAMPLE_RATE_HZ,
    TARGET_DBFS,
    VAD_MAX_SILENCE_WINDOWS,
    VAD_MODE,
    VAD_MOVING_AVERAGE_WIDTH,
    VAD_WINDOW_SAMPLES,
)


class SilentAudio(ValueError):
    """The audio has no energy at all: volume normalisation would divide by zero."""


def resample(wav: np.ndarray, source_rate_hz: int) -> np.ndarray:
    """Resample to 16 kHz with soxr's HQ filter (librosa's default `soxr_hq`).

    The length is fixed to ceil(n * 16000 / source_rate_hz), as librosa.resample does.
    """
    if source_rate_hz == SAMPLE_RATE_HZ:
        return wav
    out = soxr.resample(wav, source_rate_hz, SAMPLE_RATE_HZ, quality="HQ")
    n_target = int(np.ceil(len(wav) * float(SAMPLE_RATE_HZ) / source_rate_hz))
    if len(out) < n_target:
        out = np.pad(out, (0, n_target - len(out)))
    return np.asarray(out[:n_target], dtype=wav.dtype)


def normalize_volume(
    wav: np.ndarray, target_dbfs: float = TARGET_DBFS, *, in_place: bool = False
) -> np.ndarray:
    """Scale the audio up so that its RMS is `target_dbfs`; louder audio is left alone.

    `in_place`: scale `wav` itself (the caller gives it up) instead of a copy; the same
    float32 multiplication either way. Raises SilentAudio for all-zero input (the
    original divided by zero and embedded NaN).
    """
    power = wav * INT16_MAX
    np.square(power, out=power)  # (wav * INT16_MAX) ** 2 with one temporary, not two
    rms = np.sqrt(np.mean(power))
    del power
    if not rms > 0:
        raise SilentAudio("the audio is silent (every sample is zero)")
    wave_dbfs = 20 * np.log10(rms / INT16_MAX)
    change_db = target_dbfs - wave_dbfs
    if change_db < 0:
        return wav
    gain = 10 ** (change_db / 20)
    if not np.isfinite(gain):
        raise SilentAudio("the audio is too quiet to be speech")
    if in_place:
        wav *= gain
        return wav
    return wav * gain


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    padded = np.concatenate((np.zeros((width - 1) // 2), values, np.zeros(width // 2)))
    sums = np.cumsum(padded, dtype=float)
    sums[width:] = sums[width:] - sums[:-width]
    return sums[width - 1 :] / width


def _dilate(mask: np.ndarray, width: int) -> np.ndarray:
    """Binary dilation by a centred run of `width` (odd) ones, zeros beyond the edges."""
    return np.convolve(mask.astype(np.int32), np.ones(width, dtype=np.int32), mode="same") > 0


def _int16_samples(wav: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """round(wav * INT16_MAX) as int16, in blocks: no float32 copy of the whole clip."""
    pcm = np.empty(len(wav), dtype=np.int16)
    for start in range(0, len(wav), block):
        scaled = wav[start : start + block] * INT16_MAX
        np.round(scaled, out=scaled)
        pcm[start : start + block] = scaled  # exact: already whole numbers
    return pcm


def voice_mask(wav: np.ndarray) -> np.ndarray:
    """One bool per 30 ms window: keep it (speech, or a short pause inside speech)?

    `wav` must be at 16 kHz and a whole number of windows long.
    """
    pcm = memoryview(_int16_samples(wav)).cast("B")  # windows are views, not copies
    vad = webrtcvad.Vad(VAD_MODE)
    window_bytes = VAD_WINDOW_SAMPLES * 2
    flags = np.fromiter(
        (vad.is_speech(pcm[i : i + window_bytes], SAMPLE_RATE_HZ)
         for i in range(0, len(pcm), window_bytes)),
        dtype=bool,
        count=len(pcm) // window_bytes,
    )
    smoothed = np.round(_moving_average(flags, VAD_MOVING_AVERAGE_WIDTH)).astype(bool)
    return _dilate(smoothed, VAD_MAX_SILENCE_WINDOWS + 1)


def trim_long_silences(wav: np.ndarray) -> np.ndarray:
    """Drop silences longer than 6 windows (180 ms); the result may be empty."""
    wav = wav[: len(wav) - len(wav) % VAD_WINDOW_SAMPLES]
    if len(wav) == 0:
        return wav
    keep = voice_mask(wav)
    return wav.reshape(-1, VAD_WINDOW_SAMPLES)[keep].reshape(-1)


def preprocess_wav(
    wav: np.ndarray, source_rate_hz: int, *, overwrite: bool = False
) -> np.ndarray:
    """The whole preprocessing: float32 mono at any rate -> float32 speech at 16 kHz.

    `overwrite`: the caller gives `wav` up, so volume normalisation may scale it in
    place (one copy of the clip less in memory).
    """
    samples = np.asarray(wav, dtype=np.float32)
    resampled = resample(samples, source_rate_hz)
    owned = resampled is not wav or overwrite
    return trim_long_silences(normalize_volume(resampled, in_place=owned))
