"""audio.py: upload decoding (and the messages of its failures), WAV encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from voiceclone_common.errors import InvalidAudio
from voiceclone_gateway.audio import decode_audio_file, encode_wav, sniff_format


def _file(fmt: str, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    tone = (np.sin(np.arange(8000) / 5) * 0.5).astype(np.float32)
    soundfile.write(buffer, np.stack([tone] * channels, axis=1), 16000, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["WAV", "FLAC", "OGG"])
def test_files_decode_to_mono_at_their_rate(fmt: str) -> None:
    samples, sr = decode_audio_file(_file(fmt, channels=2))
    assert sr == 16000 and samples.dtype == np.float32 and samples.shape == (8000,)
    assert sniff_format(_file(fmt)) == fmt


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the voice file is empty; send WAV, FLAC"),
        (b"these are my notes, not a recording", "(35 bytes) is not in a known audio format"),
        (b"\x1a\x45\xdf\xa3" + bytes(200), "is WebM/Matroska, which the gateway does not decode"),
        (bytes(4) + b"ftypM4A " + bytes(100), "is MP4/M4A"),
        (b'{"wav": [0.1], "sr": 16000}', "is JSON"),
        (_file("WAV")[:30], "looks like WAV but could not be read (Error in WAV file"),
        (_file("FLAC")[:60], "looks like FLAC but could not be read"),
    ],
)
def test_unreadable_files_are_explained_cleanly(data: bytes, words: str) -> None:
    with pytest.raises(InvalidAudio) as caught:
        decode_audio_file(data)
    message = caught.value.message
    assert words in message
    assert message.endswith("send WAV, FLAC, OGG (Vorbis/Opus) or MP3")
    # Not soundfile's "Error opening <_io.BytesIO object at 0x...>".
    assert "BytesIO" not in message and "0x" not in message and "<" not in message


def test_encode_wav_round_trips_16_bit() -> None:
    wav = np.linspace(-1.2, 1.2, 1000, dtype=np.float32)  # clipped to [-1, 1]
    decoded, sr = soundfile.read(io.BytesIO(encode_wav(wav, 22050)), dtype="float32")
    assert sr == 22050 and np.allclose(decoded, np.clip(wav, -1, 1), atol=1 / 16384)
