"""Our embeddings equal the reference pipeline's: Resemblyzer's preprocess_wav, then
VoiceEncoder.embed_utterance(rate=1.25), at the rates clients actually send."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from resemblyzer import VoiceEncoder, preprocess_wav
from voiceclone_encoder import audio, partials


@pytest.fixture(scope="module")
def reference_encoder() -> VoiceEncoder:
    return VoiceEncoder(device="cpu", verbose=False)


def _ours(model, wav: np.ndarray, sr: int) -> np.ndarray:
    mels = partials.mel_partials(audio.preprocess_wav(wav, sr))
    with torch.inference_mode():
        # mel_partials gives read-only views of one mel; torch wants its own copy.
        return partials.combine_partials(model(torch.from_numpy(mels.copy())).numpy())


@pytest.mark.parametrize("sr", [16000, 22050, 44100, 48000])
def test_embedding_equals_resemblyzer(speech, encoder_model, reference_encoder, sr: int) -> None:
    wav = speech(sr=sr)
    expected = reference_encoder.embed_utterance(preprocess_wav(wav, source_sr=sr), rate=1.25)
    ours = _ours(encoder_model, wav, sr)
    cosine = float(ours @ expected)
    assert cosine >= 0.9999, cosine
    assert np.abs(ours - expected).max() <= 1e-4


def test_embedding_of_a_long_multi_partial_clip(speech, encoder_model, reference_encoder) -> None:
    wav = np.concatenate([speech(), speech("A second sentence, spoken a little faster.",
                                           speed=1.2, voice="en-GB")])
    expected = reference_encoder.embed_utterance(preprocess_wav(wav, source_sr=16000), rate=1.25)
    ours = _ours(encoder_model, wav, 16000)
    assert np.abs(ours - expected).max() <= 1e-4


def test_bf16_mode_fidelity(speech, reference_encoder) -> None:
    """The opt-in reduced-precision mode stays within cosine 0.995 of the reference."""
    from voiceclone_encoder.batching import PartialBatcher
    from voiceclone_encoder.model import load_encoder, packaged_weights_path

    wav = speech(sr=22050)
    expected = reference_encoder.embed_utterance(preprocess_wav(wav, source_sr=22050), rate=1.25)
    model = load_encoder(packaged_weights_path()).to(torch.bfloat16)
    bf16 = PartialBatcher(model, max_batch_partials=64, max_queue_partials=64, bf16=True)
    mels = partials.mel_partials(audio.preprocess_wav(wav, 22050))
    ours = partials.combine_partials(bf16.forward(mels))
    assert float(ours @ expected) >= 0.995
