"""Audio files (WAV, FLAC, OGG/Vorbis/Opus, MP3, AIFF, ...) -> mono float32 samples.

Decoding is libsndfile's, through the soundfile wheel, which bundles libsndfile 1.2
(MP3 included): no system ffmpeg. Multi-channel files are mixed down to mono.
"""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
from voiceclone_common.errors import InvalidAudio, PayloadTooLarge, UnsupportedMediaType

# Content types accepted for a raw audio body; the decoder sniffs the actual format.
AUDIO_CONTENT_TYPES = {
    "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac",
    "audio/ogg", "audio/opus", "audio/mpeg", "audio/mp3", "audio/aiff", "audio/x-aiff",
    "application/octet-stream",
}
SUPPORTED_FORMATS = "WAV, FLAC, OGG (Vorbis/Opus), MP3, AIFF"


def decode_audio(data: bytes, max_audio_s: float) -> tuple[np.ndarray, int]:
    """Decode an audio file; return (mono float32 samples, sample rate in Hz)."""
    if not data:
        raise InvalidAudio("the audio file is empty")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            rate, frames = f.samplerate, f.frames
            # Refuse before decoding: a 10 MB FLAC can hold hours of audio.
            if frames > 0 and frames / rate > max_audio_s:
                raise PayloadTooLarge(
                    f"the audio is {frames / rate:.1f} s long; the limit is {max_audio_s:g} s "
                    "(ENCODER_MAX_AUDIO_S)"
                )
            samples = f.read(dtype="float32", always_2d=True)
    except sf.LibsndfileError as exc:
        message = str(exc)
        if "not recognised" in message.lower() or "unknown format" in message.lower():
            raise UnsupportedMediaType(
                f"cannot recognise the audio format ({message}); supported: {SUPPORTED_FORMATS}"
            ) from exc
        raise InvalidAudio(f"cannot decode the audio file: {message}") from exc
    except (RuntimeError, ValueError, TypeError) as exc:
        raise InvalidAudio(f"cannot decode the audio file: {exc}") from exc
    mono = samples.mean(axis=1, dtype=np.float32) if samples.shape[1] > 1 else samples[:, 0]
    return np.ascontiguousarray(mono), int(rate)
