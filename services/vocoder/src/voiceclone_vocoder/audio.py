"""Request audio plumbing: mel validation, output resampling, WAV encoding.

No model here: these turn the JSON contract into the arrays the backends take, and
their output into what the client asked for.
"""

from __future__ import annotations

import io
import math
import wave

import numpy as np
from scipy.signal import resample_poly
from voiceclone_common import rtvc_mel
from voiceclone_common.errors import BadInput

SAMPLE_RATE_HZ = rtvc_mel.SAMPLE_RATE_HZ  # what every backend produces


def mel_from_rows(spec: list[list[float]], *, min_frames: int, max_frames: int) -> np.ndarray:
    """The legacy `spec` (80 rows of T floats) -> (80, T) float32, or BadInput saying why."""
    n_rows = len(spec)
    if n_rows == 0:
        raise BadInput(f"spec is empty: send {rtvc_mel.N_MELS} rows (mel bands) of T frames")
    lengths = {len(row) for row in spec}
    if len(lengths) > 1:
        raise BadInput(
            f"spec rows have different lengths ({min(lengths)} to {max(lengths)}): every one "
            f"of the {rtvc_mel.N_MELS} mel bands needs one value per frame"
        )
    n_frames = lengths.pop()
    if n_rows != rtvc_mel.N_MELS:
        hint = " (it looks transposed: send bands as rows)" if n_frames == rtvc_mel.N_MELS else ""
        raise BadInput(
            f"spec has {n_rows} rows; expected {rtvc_mel.N_MELS} mel bands of T frames{hint}"
        )
    if n_frames < min_frames:
        raise BadInput(
            f"spec has {n_frames} frames; at least {min_frames} are needed "
            f"({rtvc_mel.HOP_LENGTH} samples per frame)"
        )
    if n_frames > max_frames:
        seconds = max_frames * rtvc_mel.HOP_LENGTH / SAMPLE_RATE_HZ
        raise BadInput(
            f"spec has {n_frames} frames; the limit is {max_frames} ({seconds:g} s of audio): "
            "split the text into shorter sentences"
        )
    mel = np.asarray(spec, dtype=np.float32)
    bad = ~np.isfinite(mel)
    if bad.any():
        band, frame = (int(i) for i in np.argwhere(bad)[0])
        raise BadInput(
            f"spec holds {int(bad.sum())} non-finite values (NaN or infinity), the first at "
            f"band {band}, frame {frame}"
        )
    return mel


def check_output_rate(sr: int, min_sr: int, max_sr: int) -> None:
    if not min_sr <= sr <= max_sr:
        raise BadInput(
            f"sr={sr} Hz is not supported: the vocoder makes {SAMPLE_RATE_HZ} Hz audio and "
            f"resamples it to any rate from {min_sr} to {max_sr} Hz"
        )


def resample(wav: np.ndarray, sr: int) -> np.ndarray:
    """16 kHz -> `sr` Hz with a polyphase filter (exact rational ratio), float32."""
    if sr == SAMPLE_RATE_HZ:
        return wav
    g = math.gcd(sr, SAMPLE_RATE_HZ)
    out = resample_poly(wav.astype(np.float64), sr // g, SAMPLE_RATE_HZ // g)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def pad_silence(wav: np.ndarray, seconds: float, sr: int) -> np.ndarray:
    n = round(seconds * sr)
    return np.concatenate([wav, np.zeros(n, dtype=wav.dtype)]) if n else wav


def wav_bytes(wav: np.ndarray, sr: int) -> bytes:
    """16-bit PCM mono WAV file."""
    pcm = (np.clip(wav, -1.0, 1.0) * 32767.0).round().astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
