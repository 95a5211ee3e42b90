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


# Leading bytes of containers a caller may send, to name what arrived when libsndfile
# cannot read it (browser recordings are WebM or MP4; a JSON body sent as a file).
_SIGNATURES = (
    (0, b"RIFF", "WAV"), (0, b"fLaC", "FLAC"), (0, b"OggS", "OGG"), (0, b"ID3", "MP3"),
    (0, b"\xff\xfb", "MP3"), (0, b"\xff\xf3", "MP3"), (0, b"\xff\xf2", "MP3"),
    (0, b"\x1a\x45\xdf\xa3", "WebM/Matroska"), (4, b"ftyp", "MP4/M4A"),
    (0, b"FORM", "AIFF"), (0, b"{", "JSON"), (0, b"[", "JSON"),
)
ACCEPTED_FORMATS = "WAV, FLAC, OGG (Vorbis/Opus) or MP3"


def sniff_format(data: bytes) -> str | None:
    """The container `data` looks like, by its first bytes; None if unknown."""
    for offset, signature, name in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return name
    return None


def _unreadable(data: bytes, exc: Exception) -> InvalidAudio:
    """A message a person can act on: what arrived, why it was refused, what to send."""
    # libsndfile's own reason ("Format not recognised.", "No 'data' chunk marker."),
    # without soundfile's "Error opening <_io.BytesIO object at 0x...>" prefix.
    reason = str(getattr(exc, "error_string", "") or "").strip().rstrip(".")
    kind = sniff_format(data)
    if kind is None:
        what = f"the voice file ({len(data)} bytes) is not in a known audio format"
    elif kind in ("WebM/Matroska", "MP4/M4A", "JSON"):
        what = f"the voice file is {kind}, which the gateway does not decode"
    else:
        what = f"the voice file looks like {kind} but could not be read"
        what += f" ({reason})" if reason and reason != "Format not recognised" else \
            " (damaged or cut short?)"
    return InvalidAudio(f"{what}; send {ACCEPTED_FORMATS}")


def decode_audio_file(data: bytes) -> tuple[np.ndarray, int]:
    """An uploaded file (WAV, FLAC, OGG, MP3: whatever libsndfile reads) -> (mono
    float32, Hz). Multi-channel audio is averaged to mono.
    """
    if not data:
        raise InvalidAudio(f"the voice file is empty; send {ACCEPTED_FORMATS}")
    try:
        samples, sample_rate_hz = soundfile.read(io.BytesIO(data), dtype="float32",
                                                 always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise _unreadable(data, exc) from exc
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
