"""Speech out in the formats callers ask for, and at the speed they ask for.

All functions take mono float32 samples in [-1, 1]. Compressed formats come from the
libsndfile inside the `soundfile` wheel (FLAC, MP3 via its MPEG encoder, Ogg Opus), so
no system codec or ffmpeg is needed.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import soundfile

from voiceclone_gateway.audio import encode_wav

MEDIA_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "pcm": "audio/pcm",
}
# (libsndfile container, subtype) of each compressed format.
_SOUNDFILE_FORMATS = {"flac": ("FLAC", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III"),
                      "opus": ("OGG", "OPUS")}
# Opus only runs at these rates; anything else is resampled by the caller.
OPUS_SAMPLE_RATES_HZ = (8000, 12000, 16000, 24000, 48000)
# A WAV header's length fields when the length is not known yet (streaming): players
# read to the end of the stream.
_UNKNOWN_LENGTH = 0xFFFFFFFF


def supported_formats() -> tuple[str, ...]:
    """Formats this machine's libsndfile can write (wav and pcm always)."""
    available = soundfile.available_formats()
    extra = [name for name, (container, subtype) in _SOUNDFILE_FORMATS.items()
             if container in available and subtype in soundfile.available_subtypes(container)]
    return ("wav", "pcm", *extra)


def pcm16(wav: np.ndarray) -> bytes:
    """Raw 16-bit signed little-endian samples (no header)."""
    return (np.clip(wav, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def encode(wav: np.ndarray, sample_rate_hz: int, fmt: str) -> bytes:
    """A whole file of `wav` in `fmt` (see `MEDIA_TYPES`)."""
    if fmt == "wav":
        return encode_wav(wav, sample_rate_hz)
    if fmt == "pcm":
        return pcm16(wav)
    container, subtype = _SOUNDFILE_FORMATS[fmt]
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(wav, -1.0, 1.0), sample_rate_hz, format=container,
                    subtype=subtype)
    return buffer.getvalue()


def streaming_wav_header(sample_rate_hz: int) -> bytes:
    """A 16-bit mono WAV header whose lengths say "unknown": PCM chunks follow as made."""
    return b"".join([
        b"RIFF", struct.pack("<I", _UNKNOWN_LENGTH), b"WAVE",
        b"fmt ", struct.pack("<IHHIIHH", 16, 1, 1, sample_rate_hz, sample_rate_hz * 2, 2, 16),
        b"data", struct.pack("<I", _UNKNOWN_LENGTH),
    ])


def time_stretch(wav: np.ndarray, speed: float, sample_rate_hz: int = 16000) -> np.ndarray:
    """Play `speed` times faster without changing the pitch (WSOLA).

    Frames of 32 ms are overlap-added at a fixed output hop; each is taken from the
    input near its nominal position (output position x speed), shifted by up to 8 ms to
    line up with the waveform the previous frame leaves off at, so periods join smoothly.
    Output length is about len(wav) / speed.
    """
    if abs(speed - 1.0) < 1e-3 or wav.size == 0:
        return wav.astype(np.float32, copy=False)
    frame = max(64, int(0.032 * sample_rate_hz)) // 2 * 2
    hop_out = frame // 2
    tolerance = int(0.008 * sample_rate_hz)
    window = np.hanning(frame + 1)[:frame].astype(np.float32)  # periodic: sums to 1 at hop N/2
    padded = np.concatenate([np.zeros(tolerance + frame, np.float32), wav.astype(np.float32),
                             np.zeros(tolerance + 2 * frame, np.float32)])
    n_out = int(np.ceil(wav.size / speed))
    n_frames = n_out // hop_out + 2
    out = np.zeros(n_frames * hop_out + frame, np.float32)
    start = tolerance + frame  # index of wav[0] in `padded`
    previous = start - hop_out
    for k in range(n_frames):
        nominal = start + round(k * hop_out * speed) - hop_out
        if k == 0:
            chosen = nominal
        else:
            # The continuation of the previously chosen frame is the ideal next frame.
            target = padded[previous + hop_out: previous + hop_out + frame]
            lo = max(0, nominal - tolerance)
            region = padded[lo: nominal + tolerance + frame]
            scores = np.correlate(region, target, mode="valid")
            chosen = lo + int(np.argmax(scores))
        segment = padded[chosen: chosen + frame]
        if segment.size < frame:
            break
        out[k * hop_out: k * hop_out + frame] += segment * window
        previous = chosen
    # The first half-frame was pre-roll before wav[0].
    return out[hop_out: hop_out + n_out]
