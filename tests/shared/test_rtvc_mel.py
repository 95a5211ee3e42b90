"""rtvc_mel against librosa (the library RTVC's synthesizer/audio.py is written with)."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from scipy.signal import lfilter
from voiceclone_common import rtvc_mel


@pytest.fixture(scope="module")
def wav(speech) -> np.ndarray:  # type: ignore[no-untyped-def]
    return speech("Mel spectrograms are the contract between the synthesizer and vocoder.")


def _rtvc_reference_mel(wav: np.ndarray) -> np.ndarray:
    """RTVC's synthesizer/audio.py melspectrogram, written with librosa as RTVC does."""
    emphasized = lfilter([1, -0.97], [1], wav)
    spec = librosa.stft(y=emphasized, n_fft=800, hop_length=200, win_length=800)
    basis = librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600)
    mel = np.dot(basis, np.abs(spec))
    db = 20 * np.log10(np.maximum(np.exp(-100 / 20 * np.log(10)), mel)) - 20
    return np.clip(8 * ((db + 100) / 100) - 4, -4, 4)


def test_mel_basis_equals_librosa() -> None:
    expected = librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600)
    basis = rtvc_mel.mel_basis()
    assert basis.shape == (80, 401) and basis.dtype == np.float32
    np.testing.assert_allclose(basis, expected, rtol=1e-5, atol=1e-8)


def test_stft_equals_librosa_default_padding(wav: np.ndarray) -> None:
    expected = librosa.stft(y=wav.astype(np.float64), n_fft=800, hop_length=200, win_length=800)
    ours = rtvc_mel.stft(wav)
    assert ours.shape == expected.shape == (401, 1 + len(wav) // 200)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9 * np.abs(expected).max())


def test_hann_window_is_periodic() -> None:
    from scipy.signal import get_window

    np.testing.assert_allclose(rtvc_mel.hann_window(), get_window("hann", 800, fftbins=True))


@pytest.mark.parametrize("n_samples", [0, 1, 199, 200, 799, 800, 16000, 16001])
def test_frame_count(n_samples: int) -> None:
    rng = np.random.default_rng(n_samples)
    wav = rng.uniform(-0.5, 0.5, n_samples).astype(np.float32)
    mel = rtvc_mel.melspectrogram(wav)
    assert mel.shape == (80, rtvc_mel.n_frames(n_samples)) == (80, 1 + n_samples // 200)
    assert mel.dtype == np.float32


def test_melspectrogram_equals_rtvc_with_librosa(wav: np.ndarray) -> None:
    ours = rtvc_mel.melspectrogram(wav)
    expected = _rtvc_reference_mel(wav)
    assert ours.shape == expected.shape
    # float32 filters and output: agreement to 1e-4 of a range of 8 is exact in practice.
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-4)
    assert ours.min() >= -4 and ours.max() <= 4
    assert ours.max() > 0, "speech should reach well above the floor"


def test_normalize_denormalize_round_trip() -> None:
    db = np.linspace(-100, 0, 101)
    np.testing.assert_allclose(rtvc_mel.denormalize(rtvc_mel.normalize(db)), db, atol=1e-12)
    assert rtvc_mel.normalize(np.array([-200.0, 50.0])).tolist() == [-4.0, 4.0]
    assert rtvc_mel.denormalize(np.array([-9.0, 9.0])).tolist() == [-100.0, 0.0]


def test_db_amplitude_inverse() -> None:
    amp = np.array([1e-5, 1e-3, 0.5, 1.0, 10.0])
    np.testing.assert_allclose(rtvc_mel.db_to_amplitude(rtvc_mel.amp_to_db(amp)), amp, rtol=1e-12)
    assert rtvc_mel.amp_to_db(np.array([0.0]))[0] == pytest.approx(-100.0)


def test_preemphasis_inverse(wav: np.ndarray) -> None:
    restored = rtvc_mel.inv_preemphasis(rtvc_mel.preemphasis(wav))
    np.testing.assert_allclose(restored, wav, atol=1e-9)


def test_inverse_mel_basis_is_a_right_inverse() -> None:
    identity = rtvc_mel.mel_basis().astype(np.float64) @ rtvc_mel.inverse_mel_basis()
    np.testing.assert_allclose(identity, np.eye(80), atol=1e-6)


def test_mel_to_magnitude_approximates_the_spectrum(wav: np.ndarray) -> None:
    magnitude = np.abs(rtvc_mel.stft(rtvc_mel.preemphasis(wav)))
    estimate = rtvc_mel.mel_to_magnitude(rtvc_mel.melspectrogram(wav))
    assert estimate.shape == magnitude.shape
    assert estimate.min() >= rtvc_mel.LINEAR_FLOOR
    # The pseudo-inverse smears energy within each mel band (and is clipped where it goes
    # negative) but keeps the envelope: re-smoothed by the mel filters, the estimate's
    # loud frames match the original's, and the loudness contour is kept.
    loud = magnitude.sum(axis=0) > 0.1 * magnitude.sum(axis=0).max()
    basis = rtvc_mel.mel_basis()
    log_true = np.log(basis @ magnitude[:, loud] + 1e-5).ravel()
    log_est = np.log(basis @ estimate[:, loud] + 1e-5).ravel()
    assert np.corrcoef(log_true, log_est)[0, 1] > 0.95
    assert np.corrcoef(magnitude.sum(axis=0), estimate.sum(axis=0))[0, 1] > 0.95


def test_rejects_multichannel() -> None:
    with pytest.raises(ValueError, match="mono"):
        rtvc_mel.stft(np.zeros((2, 100)))
