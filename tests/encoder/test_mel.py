"""The numpy mel spectrogram equals librosa's (as Resemblyzer calls it)."""

from __future__ import annotations

import librosa
import numpy as np
from resemblyzer import audio as reference
from voiceclone_encoder import mel


def test_filterbank_equals_librosa_slaney() -> None:
    expected = librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)
    np.testing.assert_allclose(mel.mel_filterbank(), expected, rtol=1e-5, atol=1e-8)


def test_mel_spectrogram_equals_resemblyzer(speech) -> None:
    wav = reference.preprocess_wav(speech(), source_sr=16000)
    expected = reference.wav_to_mel_spectrogram(wav)
    ours = mel.wav_to_mel(wav)
    assert ours.shape == expected.shape == (mel.n_frames(len(wav)), 40)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)



def test_more_frames_read_zero_padding_without_a_copy(speech) -> None:
    wav = speech()[:20000]
    padded = np.pad(wav, (0, 3000))
    frames = mel.n_frames(len(padded))
    np.testing.assert_array_equal(mel.wav_to_mel(wav, frames), mel.wav_to_mel(padded))
    np.testing.assert_array_equal(mel.wav_to_mel(wav, 50), mel.wav_to_mel(wav)[:50])
