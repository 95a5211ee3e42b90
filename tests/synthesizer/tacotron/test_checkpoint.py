"""Loading synthesizer.pt: strict, with errors a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from voiceclone_synthesizer.tacotron import CheckpointError, load_tacotron


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        load_tacotron(tmp_path / "synthesizer.pt")


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "synthesizer.pt"
    path.write_bytes(b"this is not a torch checkpoint" * 10)
    with pytest.raises(CheckpointError, match="cannot read"):
        load_tacotron(path)


def test_truncated_file(tiny_checkpoint: Path, tmp_path: Path) -> None:
    path = tmp_path / "synthesizer.pt"
    path.write_bytes(tiny_checkpoint.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="cannot read"):
        load_tacotron(path)


def test_not_a_state_dict(tmp_path: Path) -> None:
    path = tmp_path / "synthesizer.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="not a Tacotron checkpoint"):
        load_tacotron(path)


def test_another_models_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "encoder.pt"
    torch.save({"model_state": torch.nn.LSTM(40, 256).state_dict(), "step": 1}, path)
    with pytest.raises(CheckpointError, match=r"missing 'encoder\.embedding\.weight'"):
        load_tacotron(path)


def test_unexpected_key_fails_strict_loading(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = torch.load(tiny_checkpoint, weights_only=True)
    raw["model_state"]["decoder.extra.weight"] = torch.zeros(3)
    path = tmp_path / "synthesizer.pt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match=r"decoder\.extra\.weight"):
        load_tacotron(path)


def test_missing_key_fails_strict_loading(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = torch.load(tiny_checkpoint, weights_only=True)
    del raw["model_state"]["decoder.stop_proj.bias"]
    path = tmp_path / "synthesizer.pt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match=r"stop_proj\.bias"):
        load_tacotron(path)


def test_mismatched_shape(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = torch.load(tiny_checkpoint, weights_only=True)
    raw["model_state"]["decoder.res_rnn2.weight_hh"] = torch.zeros(7, 7)
    path = tmp_path / "synthesizer.pt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match="does not match"):
        load_tacotron(path)


def test_wrong_symbol_table(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = torch.load(tiny_checkpoint, weights_only=True)
    raw["model_state"]["encoder.embedding.weight"] = torch.zeros(70, 32)
    path = tmp_path / "synthesizer.pt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match="70 symbols"):
        load_tacotron(path)


def test_nan_weights(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = torch.load(tiny_checkpoint, weights_only=True)
    raw["model_state"]["post_proj.weight"][0, 0] = float("nan")
    path = tmp_path / "synthesizer.pt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match=r"post_proj\.weight"):
        load_tacotron(path)


def test_bare_state_dict_and_optimizer_state_both_load(
    checkpoint_factory: Callable[..., Path], tmp_path: Path
) -> None:
    path = checkpoint_factory()
    raw = torch.load(path, weights_only=True)
    bare = tmp_path / "bare.pt"
    torch.save(raw["model_state"], bare)
    assert load_tacotron(bare).r == 2
    assert load_tacotron(path).r == 2
