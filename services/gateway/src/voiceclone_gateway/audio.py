"""Audio the gateway handles itself: decoding uploads, WAV encoding, resampling.

Inside the stack all audio is 16 kHz mono float32; the gateway converts only at its
edges (a caller's upload in, the caller's sample rate and format out).
"""

from __future__ import annotations

import io

import numpy as np
import soundfile
import soxr
from voiceclone_common.errors import InvalidAudio

STACK_SAMPLE_RATE_HZ = 16000


def decode_audio_file(data: bytes) -> tuple[np.ndarray, int]:
    """An uploaded file (WAV, FLAC, OGG: whatever libsndfile reads) -> (mono float32, Hz).

    Multi-channel audio is averaged to mono.
    """
    if not data:
        raise InvalidAudio("the voice file is empty")
    try:
        samples, sample_rate_hz = soundfile.read(io.BytesIO(data), dtype="float32",
                                                 always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise InvalidAudio(
            f"could not read the voice file as audio ({exc}); send WAV, FLAC or OGG"
        ) from exc
    if samples.shape[0] == 0:
        raise InvalidAudio("the voice file has no samples")
    return samples.mean(axis=1, dtype=np.float32), int(sample_rate_hz)


def encode_wav(wav: np.ndarray, sample_rate_hz: int) -> bytes:
    """Mono float samples in [-1, 1] -> a 16-bit PCM WAV file."""
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(wav, -1.0, 1.0), sample_rate_hz, format="WAV",
                    subtype="PCM_16")
    return buffer.getvalue()


def resample(wav: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Resample mono float32 audio (soxr, high quality); a no-op at the same rate."""
    if from_hz == to_hz:
        return wav.astype(np.float32, copy=False)
    return soxr.resample(wav, from_hz, to_hz, quality="HQ").astype(np.float32, copy=False)
