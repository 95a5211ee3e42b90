"""Preprocessing equals Resemblyzer's, sample for sample; silence is caught, not NaN."""

from __future__ import annotations

import numpy as np
import pytest
from resemblyzer import audio as reference
from voiceclone_encoder import audio


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000])
def test_preprocessing_matches_resemblyzer_exactly(speech, sr: int) -> None:
    wav = speech(sr=sr)
    expected = reference.preprocess_wav(wav, source_sr=sr)
    ours = audio.preprocess_wav(wav, sr)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, expected)


def test_quiet_speech_is_raised_to_minus_30_dbfs_and_loud_is_left_alone(speech) -> None:
    wav = speech()
    quiet = audio.normalize_volume(wav * 0.01)
    rms_dbfs = 20 * np.log10(np.sqrt(np.mean(quiet.astype(np.float64) ** 2)))
    assert rms_dbfs == pytest.approx(-30.0, abs=0.01)
    loud = np.clip(wav * 8, -1, 1)
    assert audio.normalize_volume(loud) is loud


def test_silence_raises_instead_of_nan() -> None:
    with pytest.raises(audio.SilentAudio):
        audio.preprocess_wav(np.zeros(16000, dtype=np.float32), 16000)


def test_long_silences_are_cut_to_at_most_six_windows(speech) -> None:
    wav = speech()
    gap = np.zeros(16000 * 2, dtype=np.float32)
    padded = np.concatenate([wav, gap, wav])
    trimmed = audio.trim_long_silences(audio.normalize_volume(padded))
    # 2 s of digital silence between two sentences: at most 6 + 6 windows of it remain.
    assert len(trimmed) < len(padded) - 16000 * 2 + 12 * 480 + 1


def test_noise_without_speech_trims_to_nothing() -> None:
    noise = np.random.default_rng(0).standard_normal(16000 * 2).astype(np.float32) * 1e-4
    assert len(audio.preprocess_wav(noise, 16000)) < 16000 * 0.5


@pytest.mark.parametrize("sr", [16000, 22050])
def test_overwrite_gives_the_same_speech_and_only_then_reuses_the_input(speech, sr) -> None:
    wav = speech(sr=sr)
    kept = wav.copy()
    expected = audio.preprocess_wav(wav, sr)
    np.testing.assert_array_equal(wav, kept)  # untouched by default
    np.testing.assert_array_equal(audio.preprocess_wav(wav, sr, overwrite=True), expected)
