"""The Tacotron network: RTVC's exact state-dict layout, shapes, r, dropout switch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from voiceclone_synthesizer.tacotron import Tacotron, TacotronDims, load_tacotron
from voiceclone_synthesizer.text import sentence_to_ids

STATE_DICTS = Path(__file__).resolve().parents[3].parent / "shared" / "rtvc-state-dicts.json"
DTYPES = {"float32": torch.float32, "int64": torch.int64, "int32": torch.int32}


def _chars(*sentences: str) -> torch.Tensor:
    rows = [sentence_to_ids(s) for s in sentences]
    width = max(map(len, rows))
    return torch.tensor([r + [0] * (width - len(r)) for r in rows])


def _embeds(batch: int) -> torch.Tensor:
    return torch.nn.functional.normalize(torch.rand(batch, 256), dim=1)


def test_real_size_layout_is_rtvc_key_for_key() -> None:
    if not STATE_DICTS.is_file():
        pytest.skip(f"{STATE_DICTS} not present (the shared folder beside the repository)")
    spec = json.loads(STATE_DICTS.read_text())["synthesizer"]
    model = Tacotron(TacotronDims.rtvc())
    state = model.state_dict()
    ours = [[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in state.items()]
    assert sorted(ours) == sorted(spec["state_dict"])
    assert sum(p.numel() for p in model.parameters()) == spec["num_params"]


def test_dims_are_read_back_from_a_state_dict() -> None:
    small = TacotronDims(embed_dims=24, encoder_dims=16, decoder_dims=8, lstm_dims=32,
                         postnet_dims=16, encoder_K=2, postnet_K=4, num_highways=3)
    assert TacotronDims.from_state_dict(Tacotron(small).state_dict()) == small
    real = Tacotron().state_dict()
    assert TacotronDims.from_state_dict(real) == TacotronDims.rtvc()


def test_loads_strictly_and_returns_80_by_t(tiny_checkpoint: Path) -> None:
    model = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    assert model.r == 2  # from the checkpoint's decoder.r buffer, not the constructor
    assert int(model.step) == 12345
    assert float(model.stop_threshold) == pytest.approx(-3.4)
    mels, stops = model.generate(_chars("Hello world.", "Hi."), _embeds(2), max_frames=30)
    assert mels.shape[:2] == (2, 80)
    assert mels.shape[2] % 2 == 0 and 12 <= mels.shape[2] <= 30
    assert stops.shape == (2, mels.shape[2] // 2)
    assert torch.isfinite(mels).all()


def test_r_comes_from_the_checkpoint(checkpoint_factory: Callable[..., Path]) -> None:
    model = load_tacotron(checkpoint_factory(r=3), prenet_dropout=False)
    mels, _ = model.generate(_chars("Hello."), _embeds(1), max_frames=30)
    assert model.r == 3 and mels.shape[2] % 3 == 0


def test_prenet_dropout_off_is_deterministic(tiny_checkpoint: Path) -> None:
    model = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    chars, embeds = _chars("Same input twice."), _embeds(1)
    first, _ = model.generate(chars, embeds, max_frames=30)
    torch.manual_seed(999)
    second, _ = model.generate(chars, embeds, max_frames=30)
    assert torch.equal(first, second)


def test_prenet_dropout_on_by_default_varies_the_output(tiny_checkpoint: Path) -> None:
    model = load_tacotron(tiny_checkpoint)
    chars, embeds = _chars("Dropout stays on at inference."), _embeds(1)
    a, _ = model.generate(chars, embeds, max_frames=30)
    b, _ = model.generate(chars, embeds, max_frames=30)
    n = min(a.shape[2], b.shape[2])
    assert not torch.equal(a[:, :, :n], b[:, :, :n])
    torch.manual_seed(5)
    c, _ = model.generate(chars, embeds, max_frames=30)
    torch.manual_seed(5)
    d, _ = model.generate(chars, embeds, max_frames=30)
    assert torch.equal(c, d)  # reproducible under a fixed seed


def test_model_stays_in_eval_mode(tiny_checkpoint: Path) -> None:
    # RTVC's generate() switched the model back to train mode (batch norm then used
    # batch statistics on the next call); ours never leaves eval.
    model = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    model.generate(_chars("One."), _embeds(1), max_frames=10)
    assert not model.training


def test_the_speaker_embedding_changes_the_output(tiny_checkpoint: Path) -> None:
    model = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    chars = _chars("Who is speaking?")
    a, _ = model.generate(chars, _embeds(1), max_frames=20)
    b, _ = model.generate(chars, _embeds(1), max_frames=20)
    n = min(a.shape[2], b.shape[2])
    assert not np.allclose(a[:, :, :n].numpy(), b[:, :, :n].numpy())


def test_batch_of_one_equals_single_call(tiny_checkpoint: Path) -> None:
    model = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    chars, embeds = _chars("Hello world.", "Second sentence here."), _embeds(2)
    batch, _ = model.generate(chars, embeds, max_frames=24)
    # Padding is part of the encoder input (as in RTVC): compare the longest row.
    alone, _ = model.generate(chars[1:], embeds[1:], max_frames=24)
    n = min(batch.shape[2], alone.shape[2])
    torch.testing.assert_close(batch[1, :, :n], alone[0, :, :n], atol=1e-4, rtol=1e-4)


def test_int8_decoder_is_close_to_fp32(tiny_checkpoint: Path) -> None:
    exact = load_tacotron(tiny_checkpoint, prenet_dropout=False)
    fast = load_tacotron(tiny_checkpoint, prenet_dropout=False, quantize=True)
    assert "quantized" in type(fast.decoder.res_rnn1).__module__
    chars, embeds = _chars("Quantised decoder."), _embeds(1)
    a, _ = exact.generate(chars, embeds, max_frames=20)
    b, _ = fast.generate(chars, embeds, max_frames=20)
    n = min(a.shape[2], b.shape[2])
    assert not torch.equal(a[:, :, :n], b[:, :, :n])
    torch.testing.assert_close(a[:, :, :n], b[:, :, :n], atol=0.05, rtol=0.05)
