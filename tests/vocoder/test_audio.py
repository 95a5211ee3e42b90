"""Request validation, resampling and WAV encoding."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from voiceclone_common.errors import BadInput
from voiceclone_vocoder import audio


def _rows(bands: int, frames: int, value: float = 0.0) -> list[list[float]]:
    return [[value] * frames for _ in range(bands)]


def test_valid_spec_becomes_float32_array() -> None:
    mel = audio.mel_from_rows(_rows(80, 5, -1.0), min_frames=2, max_frames=10)
    assert mel.shape == (80, 5) and mel.dtype == np.float32


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "empty"),
        (_rows(79, 5), "79 rows"),
        (_rows(5, 80), "transposed"),
        ([*_rows(79, 5), [0.0] * 4], "different lengths"),
        (_rows(80, 1), "at least 2"),
        (_rows(80, 11), "limit is 10"),
        (_rows(80, 3, float("nan")), "non-finite"),
        (_rows(80, 3, float("inf")), "non-finite"),
    ],
)
def test_bad_specs_are_explained(spec: list[list[float]], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        audio.mel_from_rows(spec, min_frames=2, max_frames=10)


def test_output_rate_bounds() -> None:
    audio.check_output_rate(22050, 8000, 48000)
    with pytest.raises(BadInput, match="8000 to 48000"):
        audio.check_output_rate(4000, 8000, 48000)


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000])
def test_resample_length_and_pitch(sr: int) -> None:
    t = np.arange(16000) / 16000
    wav = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = audio.resample(wav, sr)
    assert len(out) == sr
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) * sr / len(out) == pytest.approx(440, abs=2)


def test_pad_silence() -> None:
    out = audio.pad_silence(np.ones(10, dtype=np.float32), 0.5, 16000)
    assert len(out) == 8010 and not out[10:].any()


def test_wav_bytes_are_a_16_bit_mono_wav() -> None:
    data = audio.wav_bytes(np.array([0.0, 0.5, -1.0], dtype=np.float32), 22050)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (
            1, 2, 22050, 3,
        )
        pcm = np.frombuffer(w.readframes(3), dtype="<i2")
    assert pcm.tolist() == [0, 16384, -32767]
