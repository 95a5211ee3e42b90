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


def test_a_bank_embedding_selects_its_own_entry() -> None:
    bank = VoiceBank.load(wer_weight=0.0)  # by cosine alone
    rows = [0, len(bank) // 2, len(bank) - 1]
    chosen = bank.select(bank.embeddings[rows] * 3.0)  # scale does not matter
    assert [c.index for c in chosen] == rows
    assert all(c.similarity == pytest.approx(1.0, abs=1e-4) for c in chosen)
    assert chosen[0].params == bank.params[0]


def test_selection_maximises_cosine_less_weighted_word_error_rate(bank: VoiceBank) -> None:
    rows = [0, len(bank) // 2, len(bank) - 1]
    embeds = bank.embeddings[rows]
    expected = np.argmax(embeds @ bank.embeddings.T - bank.wer_weight * bank.wer, axis=1)
    assert [c.index for c in bank.select(embeds)] == expected.tolist()


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


def test_packaged_bank_carries_word_error_rates(bank: VoiceBank) -> None:
    assert bank.wer is not None and bank.wer.shape == (len(bank),)
    assert np.all((bank.wer >= 0) & np.isfinite(bank.wer))
    assert bank.wer_sentences  # the sentences it was measured on are recorded
    # The grid point nearest Pico's own voice is among the intelligible ones.
    plain = bank.params.index(VoiceParams("en-US", 1.05, 1.0, 0.0))
    assert bank.wer[plain] <= np.median(bank.wer)


def test_a_bank_without_word_error_rates_still_loads(tmp_path: Path) -> None:
    """Banks written before the `wer` field: selection is by cosine alone."""
    rng = np.random.default_rng(2)
    embeds = rng.standard_normal((3, 256)).astype(np.float32)
    params = [VoiceParams("en-US", 1.0), VoiceParams("en-GB", 1.2), VoiceParams("en-US", 0.7)]
    save_bank(tmp_path / "old.npz", params=params, embeddings=embeds,
              f0_hz=np.array([166.0, 200.0, 116.0]), sentences=["One."], encoder="test")
    with np.load(tmp_path / "old.npz") as data:
        assert "wer" not in data.files
    old = VoiceBank.load(tmp_path / "old.npz")
    assert old.wer is not None and np.isnan(old.wer).all()
    assert [c.index for c in old.select(embeds)] == [0, 1, 2]


def test_selection_trades_similarity_for_intelligibility(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    target = rng.standard_normal(256).astype(np.float32)
    target /= np.linalg.norm(target)
    other = rng.standard_normal(256).astype(np.float32)
    other -= (other @ target) * target
    other /= np.linalg.norm(other)
    # entry 0: cosine 0.95 but unintelligible; entry 1: cosine 0.90, clear; entry 2: far
    embeds = np.stack([0.95 * target + np.sqrt(1 - 0.95**2) * other,
                       0.90 * target - np.sqrt(1 - 0.90**2) * other, other])
    params = [VoiceParams("en-GB", 1.4, 1.08), VoiceParams("en-GB", 1.2), VoiceParams("en-US", 1)]
    path = tmp_path / "bank.npz"
    save_bank(path, params=params, embeddings=embeds, f0_hz=np.array([250.0, 206.0, 166.0]),
              sentences=["One."], encoder="test", wer=np.array([0.9, 0.1, 0.0]),
              wer_sentences=["Two."])
    assert VoiceBank.load(path, wer_weight=0.0).select(target)[0].index == 0
    (choice,) = VoiceBank.load(path, wer_weight=0.2).select(target)
    assert choice.index == 1  # 0.90 - 0.02 beats 0.95 - 0.18
    assert choice.similarity == pytest.approx(0.90, abs=1e-3)
    # the penalty only reorders voices near the speaker: a far one does not win
    assert VoiceBank.load(path, wer_weight=0.2).select(other)[0].index == 2
    assert VoiceBank.load(path).wer_sentences == ("Two.",)
