"""Partial windows are Resemblyzer's (rate 1.25 = 50% overlap, 75% coverage)."""

from __future__ import annotations

import numpy as np
import pytest
from resemblyzer import VoiceEncoder
from voiceclone_encoder import partials


@pytest.mark.parametrize("n_samples", [1, 480, 16000, 19200, 25600, 25601, 38400, 44799,
                                       44800, 80000, 160000, 163_210, 480_000])
def test_partial_starts_match_compute_partial_slices(n_samples: int) -> None:
    _, mel_slices = VoiceEncoder.compute_partial_slices(n_samples, rate=1.25, min_coverage=0.75)
    assert partials.partial_starts(n_samples) == [s.start for s in mel_slices]
    assert all(s.stop - s.start == 160 for s in mel_slices)


def test_mel_partials_shape_and_overlap() -> None:
    wav = np.random.default_rng(0).standard_normal(16000 * 4).astype(np.float32) * 0.1
    windows = partials.mel_partials(wav)
    assert windows.shape == (len(partials.partial_starts(len(wav))), 160, 40)
    # 50% overlap: the second half of a window is the first half of the next one.
    np.testing.assert_array_equal(windows[0, 80:], windows[1, :80])


def test_combine_partials_is_unit_norm_mean() -> None:
    rows = np.abs(np.random.default_rng(1).standard_normal((5, 256))).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    combined = partials.combine_partials(rows)
    assert np.linalg.norm(combined) == pytest.approx(1.0, abs=1e-6)
    mean = rows.mean(axis=0)
    np.testing.assert_allclose(combined, mean / np.linalg.norm(mean), rtol=1e-6)


def test_mel_partials_equal_resemblyzers_windows(speech) -> None:
    from resemblyzer import audio as reference

    for wav in (speech()[:30000], speech()):
        _, slices = VoiceEncoder.compute_partial_slices(len(wav), rate=1.25, min_coverage=0.75)
        end = slices[-1].stop * 160
        padded = np.pad(wav, (0, max(0, end - len(wav))))
        expected = np.stack([reference.wav_to_mel_spectrogram(padded)[s] for s in slices])
        np.testing.assert_allclose(partials.mel_partials(wav), expected, rtol=1e-4, atol=1e-5)
