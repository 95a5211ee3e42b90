"""Vocoder test fixtures: RTVC-format WaveRNN checkpoints written here, never downloaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from voiceclone_common import rtvc_mel
from voiceclone_vocoder.wavernn.model import WaveRNN, WaveRNNDims

# Same layout as RTVC's, smaller widths: generation in tests stays fast. The loader
# reads every dimension from the checkpoint, so nothing else changes.
SMALL_DIMS = WaveRNNDims(
    rnn_dims=64, fc_dims=64, compute_dims=32, res_out_dims=32, res_blocks=2
)


def random_wavernn(dims: WaveRNNDims, seed: int = 0) -> WaveRNN:
    """A WaveRNN with random weights and batch-norm statistics (as if trained a little)."""
    generator = torch.Generator().manual_seed(seed)
    model = WaveRNN(dims)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.dtype.is_floating_point:
                continue
            if name.endswith("running_var"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=generator))
            else:
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=generator))
        model.step.fill_(123_000)
    return model


def write_checkpoint(model: WaveRNN, path: Path) -> Path:
    """Save as RTVC's vocoder training does: model_state plus Adam's optimizer_state."""
    optimizer = torch.optim.Adam(model.parameters())
    torch.save({"model_state": model.state_dict(), "optimizer_state": optimizer.state_dict()},
               path)
    return path


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: the sampling loop's tensors are tiny, and on a shared 2-core
    machine a second OpenMP thread spin-waiting for a busy core made steps 40x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def small_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "vocoder.pt"
    return write_checkpoint(random_wavernn(SMALL_DIMS), path)


@pytest.fixture(scope="session")
def real_size_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models_real") / "vocoder.pt"
    return write_checkpoint(random_wavernn(WaveRNNDims()), path)


@pytest.fixture(scope="session")
def speech_mel(speech: Callable[..., np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(wav, its RTVC mel) for a short real sentence."""
    wav = speech("Vocoders turn mel spectrograms back into speech.")
    return wav, rtvc_mel.melspectrogram(wav)
