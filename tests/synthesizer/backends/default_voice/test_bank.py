"""The packaged voice bank and the nearest-voice selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from voiceclone_synthesizer.backends.default_voice.bank import (
    BANK_PATH,
    FIELDS,
    BankError,
    VoiceBank,
    save_bank,
)
from voiceclone_synthesizer.backends.default_voice.voice import VoiceParams


@pytest.fixture(scope="module")
def bank() -> VoiceBank:
    return VoiceBank.load()


def test_packaged_bank_is_small_and_has_the_documented_fields() -> None:
    assert BANK_PATH.stat().st_size < 1_000_000
    with np.load(BANK_PATH, allow_pickle=False) as data:
        assert set(FIELDS) <= set(data.files)
        n = data["embeddings"].shape[0]
        assert data["embeddings"].shape == (n, 256)
        assert data["embeddings"].dtype == np.float16
        for name in ("voice", "f0_scale", "formant_scale", "tilt", "speed", "f0_hz"):
            assert data[name].shape == (n,)


def test_bank_covers_male_and_female_voices(bank: VoiceBank) -> None:
    assert len(bank) >= 100
    np.testing.assert_allclose(np.linalg.norm(bank.embeddings, axis=1), 1.0, atol=1e-3)
    assert bank.f0_hz.min() < 100 < 250 < bank.f0_hz.max()
    assert {p.voice for p in bank.params} == {"en-US", "en-GB"}
    assert min(p.formant_scale for p in bank.params) < 0.85
    # Distinct voices really are distinct to the encoder.
    sims = bank.embeddings @ bank.embeddings.T
    assert sims.min() < 0.5


def test_a_bank_embedding_selects_its_own_entry(bank: VoiceBank) -> None:
    rows = [0, len(bank) // 2, len(bank) - 1]
    chosen = bank.select(bank.embeddings[rows] * 3.0)  # scale does not matter
    assert [c.index for c in chosen] == rows
    assert all(c.similarity == pytest.approx(1.0, abs=1e-4) for c in chosen)
    assert chosen[0].params == bank.params[0]


def test_a_zero_embedding_gets_a_neutral_voice(bank: VoiceBank) -> None:
    (choice,) = bank.select(np.zeros((1, 256), np.float32))
    assert 0 <= choice.index < len(bank)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    params = [VoiceParams("en-US", 1.0), VoiceParams("en-GB", 0.6, 0.86, -0.5)]
    embeds = rng.standard_normal((2, 256)).astype(np.float32)
    path = tmp_path / "bank.npz"
    save_bank(path, params=params, embeddings=embeds, f0_hz=np.array([166.0, 100.0]),
              sentences=["One.", "Two."], encoder="test")
    bank = VoiceBank.load(path)
    assert bank.params == tuple(params)
    assert bank.sentences == ("One.", "Two.")
    assert bank.encoder == "test"
    assert [c.index for c in bank.select(embeds[::-1])] == [1, 0]


def test_malformed_banks_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="cannot read"):
        VoiceBank.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "partial.npz", embeddings=np.zeros((1, 256), np.float16))
    with pytest.raises(BankError, match="lacks fields"):
        VoiceBank.load(tmp_path / "partial.npz")
    save_bank(tmp_path / "bad.npz", params=[VoiceParams("en-US", 0.5, 1.0)],
              embeddings=np.ones((1, 256)), f0_hz=np.array([80.0]), sentences=["x"],
              encoder="test")
    with pytest.raises(BankError, match="Pico pitch"):
        VoiceBank.load(tmp_path / "bad.npz")
