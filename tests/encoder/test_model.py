"""Checkpoint loading: packaged and RTVC files load; wrong or corrupt files stop startup."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from voiceclone_encoder import model


def _save(path: Path, state: dict, **extra: object) -> Path:
    torch.save({"step": 1, "model_state": state, **extra}, path)
    return path


def test_packaged_weights_load(encoder_model: model.SpeakerEncoder) -> None:
    assert model.packaged_weights_path().name == "pretrained.pt"
    out = encoder_model(torch.rand(3, 160, 40))
    assert out.shape == (3, 256)
    assert (out >= 0).all()
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))


def test_rtvc_layout_checkpoint_loads(tmp_path: Path) -> None:
    net = model.SpeakerEncoder()
    state = {"similarity_weight": torch.tensor([10.0]), "similarity_bias": torch.tensor([-5.0]),
             **net.state_dict()}
    path = _save(tmp_path / "encoder.pt", state, optimizer_state={})
    loaded = model.load_encoder(path)
    x = torch.rand(2, 160, 40)
    torch.testing.assert_close(loaded(x), net.eval()(x))


def test_resolve_prefers_configured_then_models_dir(tmp_path: Path) -> None:
    configured = tmp_path / "custom.pt"
    assert model.resolve_checkpoint(configured, tmp_path) == configured
    assert model.resolve_checkpoint(None, tmp_path) == model.packaged_weights_path()
    (tmp_path / "encoder.pt").write_bytes(b"x")
    assert model.resolve_checkpoint(None, tmp_path) == tmp_path / "encoder.pt"


def test_missing_weight_is_named(tmp_path: Path) -> None:
    state = model.SpeakerEncoder().state_dict()
    del state["lstm.weight_hh_l2"]
    with pytest.raises(model.CheckpointError, match=r"missing \['lstm.weight_hh_l2'\]"):
        model.load_encoder(_save(tmp_path / "bad.pt", state))


def test_wrong_shape_and_unexpected_key_are_named(tmp_path: Path) -> None:
    state = model.SpeakerEncoder().state_dict()
    state["linear.weight"] = torch.zeros(128, 256)
    state["decoder.extra"] = torch.zeros(1)
    with pytest.raises(model.CheckpointError) as info:
        model.load_encoder(_save(tmp_path / "bad.pt", state))
    assert "linear.weight has shape (128, 256), expected (256, 256)" in str(info.value)
    assert "unexpected ['decoder.extra']" in str(info.value)


def test_corrupt_file_and_foreign_container(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a torch file at all")
    with pytest.raises(model.CheckpointError, match="cannot read encoder checkpoint"):
        model.load_encoder(corrupt)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(model.CheckpointError, match="model_state"):
        model.load_encoder(foreign)
    with pytest.raises(model.CheckpointError, match="does not exist"):
        model.load_encoder(tmp_path / "absent.pt")


def test_all_zero_partial_does_not_give_nan() -> None:
    net = model.SpeakerEncoder().eval()
    with torch.no_grad():
        net.linear.bias.fill_(-100.0)  # every ReLU output 0
        out = net(torch.rand(1, 160, 40))
    assert torch.isfinite(out).all()


def test_time_chunked_lstm_equals_one_call(encoder_model: model.SpeakerEncoder) -> None:
    """forward() runs the LSTM over the frames in pieces; the result is the same."""
    mels = torch.rand(5, 160, 40)
    with torch.inference_mode():
        _, (hidden, _) = encoder_model.lstm(mels)
        raw = encoder_model.relu(encoder_model.linear(hidden[-1]))
        expected = raw / raw.norm(dim=1, keepdim=True)
        torch.testing.assert_close(encoder_model(mels), expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_packed_lstm_equals_nn_lstm(dtype: torch.dtype) -> None:
    """Weights reordered once for oneDNN give the same numbers as nn.LSTM's path."""
    net = model.load_encoder(model.packaged_weights_path()).to(dtype)
    mels = torch.rand(7, 160, 40).to(dtype)
    with torch.inference_mode():
        expected = net(mels)
        if not net.pack_for_inference():
            pytest.skip("this torch build cannot pack LSTM weights for oneDNN")
        assert torch.equal(net(mels), expected)
        net.float()  # converting drops the packed copies instead of using stale ones
        assert net._packed is None
