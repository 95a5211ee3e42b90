"""Griffin-Lim round trip on real speech: audio -> RTVC mel -> vocoder -> mel again.

Bounds, measured on SVOX Pico speech (6 s) and justified by what is achievable: the
mel discards phase and the fine structure within each band, so no inverse reaches 0.
Random phases (0 iterations) give a spectral convergence (SC = ||S - S'|| / ||S||) of
~0.6; 60 plain iterations ~0.16 against the magnitude they are asked to match and
~0.12 mel-to-mel at power 1. Bounds with margin: 0.25 and 0.2, and at least halving the
random-phase error, which a broken STFT pair or a lost phase update would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from voiceclone_common import rtvc_mel
from voiceclone_vocoder.griffinlim import PEAK, GriffinLimVocoder


def _sc(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(np.linalg.norm(reference - estimate) / np.linalg.norm(reference))


def _magnitude(wav: np.ndarray, n_frames: int) -> np.ndarray:
    return np.abs(rtvc_mel.stft(rtvc_mel.preemphasis(wav)))[:, :n_frames]


@pytest.fixture(scope="module")
def mel(speech_mel: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return speech_mel[1]


def test_length_is_frames_times_hop(mel: np.ndarray) -> None:
    wav = GriffinLimVocoder(n_iter=2).infer(mel, seed=0)
    assert wav.dtype == np.float32
    assert wav.shape == (mel.shape[1] * 200,)
    assert rtvc_mel.n_frames(len(wav)) == mel.shape[1] + 1  # the STFT's extra edge frame


def test_converges_to_the_target_magnitude(mel: np.ndarray) -> None:
    # Default settings (power 1.5, 60 iterations): GL is asked to match |pinv(mel)|^1.5.
    target = rtvc_mel.mel_to_magnitude(mel) ** 1.5
    frames = mel.shape[1]
    random_phase = GriffinLimVocoder(n_iter=0).infer(mel, seed=0, normalize=False)
    converged = GriffinLimVocoder().infer(mel, seed=0, normalize=False)
    sc_random = _sc(target, _magnitude(random_phase, frames))
    sc_converged = _sc(target, _magnitude(converged, frames))
    assert sc_converged < 0.25
    assert sc_converged < 0.5 * sc_random


def test_mel_round_trip_at_power_one(speech_mel: tuple[np.ndarray, np.ndarray]) -> None:
    wav, mel = speech_mel
    frames = mel.shape[1]
    out = GriffinLimVocoder(power=1.0).infer(mel, seed=0, normalize=False)
    basis = rtvc_mel.mel_basis()
    sc = _sc(basis @ _magnitude(wav, frames), basis @ _magnitude(out, frames))
    assert sc < 0.2
    again = rtvc_mel.melspectrogram(out)[:, :frames]
    assert np.abs(again - mel).mean() < 0.15  # on the [-4, 4] scale


def test_normalised_peak_and_determinism(mel: np.ndarray) -> None:
    vocoder = GriffinLimVocoder(n_iter=5)
    first = vocoder.infer(mel, seed=3)
    assert np.abs(first).max() == pytest.approx(PEAK, rel=1e-6)
    np.testing.assert_array_equal(first, vocoder.infer(mel, seed=3))
    assert not np.array_equal(first, vocoder.infer(mel, seed=4))


def test_fast_griffin_lim_option(mel: np.ndarray) -> None:
    target = rtvc_mel.mel_to_magnitude(mel) ** 1.5
    out = GriffinLimVocoder(n_iter=30, momentum=0.99).infer(mel, seed=0, normalize=False)
    assert _sc(target, _magnitude(out, mel.shape[1])) < 0.25


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="80"):
        GriffinLimVocoder().infer(np.zeros((79, 5), dtype=np.float32))
    with pytest.raises(ValueError):
        GriffinLimVocoder(momentum=1.5)


def test_stft_pair_matches_librosa_conventions(speech_mel: tuple[np.ndarray, np.ndarray]) -> None:
    import torch
    from voiceclone_vocoder.griffinlim import _StftPair

    wav = speech_mel[0][:16000]
    n_frames = rtvc_mel.n_frames(len(wav)) - 1  # the pair keeps T frames of T * hop samples
    signal = np.zeros(n_frames * 200)
    signal[:] = wav[: n_frames * 200]
    window = torch.tensor(rtvc_mel.hann_window(), dtype=torch.float32)
    pair = _StftPair(n_frames, window)
    padded = torch.zeros(pair.n_chunks * 200)
    padded[pair.pad : pair.pad + pair.length] = torch.from_numpy(signal).float()
    spec = pair.stft(padded)
    expected = rtvc_mel.stft(signal)[:, :n_frames].T
    np.testing.assert_allclose(spec.numpy(), expected, atol=1e-4 * np.abs(expected).max())
    restored = pair.istft(spec)[pair.pad : pair.pad + pair.length].numpy()
    np.testing.assert_allclose(restored, signal, atol=1e-5)
