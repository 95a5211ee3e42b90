"""WaveRNNVocoder: strict loading of RTVC-format checkpoints and the generated audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from voiceclone_vocoder.errors import CheckpointError
from voiceclone_vocoder.wavernn import WaveRNNVocoder

from .conftest import SMALL_DIMS, random_wavernn, write_checkpoint


def test_real_size_checkpoint_loads_strictly(real_size_checkpoint: Path) -> None:
    vocoder = WaveRNNVocoder.load(real_size_checkpoint)
    saved = torch.load(real_size_checkpoint, weights_only=True)["model_state"]
    loaded = vocoder.model.state_dict()
    assert loaded.keys() == saved.keys()
    assert all(torch.equal(loaded[k], saved[k]) for k in saved)
    wav = vocoder.infer(np.zeros((80, 3), dtype=np.float32), seed=0)  # 400 steps
    assert wav.shape == (400,) and np.isfinite(wav).all()


def test_output_length_range_and_determinism(
    small_checkpoint: Path, speech_mel: tuple[np.ndarray, np.ndarray]
) -> None:
    vocoder = WaveRNNVocoder.load(small_checkpoint)
    mel = speech_mel[1][:, 20:50]
    # Small folds so that several segments are generated and cross-faded.
    wav = vocoder.infer(mel, seed=42, target=1000, overlap=200)
    assert wav.dtype == np.float32
    assert wav.shape == ((mel.shape[1] - 1) * 200,)  # RTVC: (frames - 1) x hop
    assert np.isfinite(wav).all()
    assert np.abs(wav).max() <= 1.0
    assert np.abs(wav).max() > 0.0
    assert wav[-1] == 0.0  # the fade-out ends in silence
    again = vocoder.infer(mel, seed=42, target=1000, overlap=200)
    np.testing.assert_array_equal(wav, again)
    other = vocoder.infer(mel, seed=43, target=1000, overlap=200)
    assert not np.array_equal(wav, other)


def test_rejects_wrong_mel_shape(small_checkpoint: Path) -> None:
    vocoder = WaveRNNVocoder.load(small_checkpoint)
    with pytest.raises(ValueError, match="80"):
        vocoder.infer(np.zeros((40, 10), dtype=np.float32))


def test_missing_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        WaveRNNVocoder.load(tmp_path / "vocoder.pt")


def test_corrupt_checkpoint(tmp_path: Path, small_checkpoint: Path) -> None:
    broken = tmp_path / "vocoder.pt"
    broken.write_bytes(small_checkpoint.read_bytes()[:5000])  # a truncated download
    with pytest.raises(CheckpointError, match="cannot read"):
        WaveRNNVocoder.load(broken)


def test_checkpoint_without_model_state(tmp_path: Path) -> None:
    path = tmp_path / "vocoder.pt"
    torch.save({"weights": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="model_state"):
        WaveRNNVocoder.load(path)


def test_checkpoint_with_missing_key_is_refused(tmp_path: Path) -> None:
    state = random_wavernn(SMALL_DIMS).state_dict()
    del state["fc2.bias"]
    path = tmp_path / "vocoder.pt"
    torch.save({"model_state": state}, path)
    with pytest.raises(CheckpointError, match=r"fc2\.bias"):
        WaveRNNVocoder.load(path)


def test_checkpoint_from_another_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "encoder.pt"
    torch.save({"model_state": {"lstm.weight_ih_l0": torch.zeros(1024, 40)}}, path)
    with pytest.raises(CheckpointError, match="layout"):
        WaveRNNVocoder.load(path)


def test_written_checkpoint_round_trips(tmp_path: Path) -> None:
    model = random_wavernn(SMALL_DIMS, seed=9)
    vocoder = WaveRNNVocoder.load(write_checkpoint(model, tmp_path / "v.pt"))
    assert vocoder.dims == SMALL_DIMS


def test_checkpoint_with_nan_weights_is_refused(tmp_path: Path) -> None:
    state = random_wavernn(SMALL_DIMS).state_dict()
    state["fc3.weight"][0, 0] = float("nan")
    path = tmp_path / "vocoder.pt"
    torch.save({"model_state": state}, path)
    with pytest.raises(CheckpointError, match=r"NaN or infinite weights in \['fc3.weight'\]"):
        WaveRNNVocoder.load(path)
