"""Fixtures: small random Tacotron checkpoints in RTVC's exact format (real key names,
smaller widths; the loader reads the widths from the shapes), and apps built on them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from voiceclone_synthesizer.app import create_app
from voiceclone_synthesizer.config import Settings
from voiceclone_synthesizer.tacotron.model import Tacotron, TacotronDims

TINY = TacotronDims(
    embed_dims=32,
    encoder_dims=32,
    decoder_dims=16,
    postnet_dims=32,
    encoder_K=3,
    lstm_dims=64,
    postnet_K=3,
    num_highways=2,
)
MAX_FRAMES = 40


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    """The tiny models run hundreds of small ops; on 2 shared cores a second intra-op
    thread only adds synchronisation (measured: 10-100x slower per op under load)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def make_checkpoint(path: Path, dims: TacotronDims = TINY, r: int = 2, seed: int = 0) -> Path:
    """Random weights saved as RTVC saves them: {"model_state", "optimizer_state"}."""
    torch.manual_seed(seed)
    model = Tacotron(dims)
    for p in model.parameters():
        if p.dim() > 1:
            torch.nn.init.xavier_uniform_(p)
    model.decoder.r.fill_(r)
    model.step.fill_(12345)
    torch.save({"model_state": model.state_dict(), "optimizer_state": {}}, path)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("models") / "synthesizer.pt")


@pytest.fixture()
def checkpoint_factory(tmp_path: Path) -> Callable[..., Path]:
    """`checkpoint_factory(name="x.pt", dims=TINY, r=2, seed=0)` -> a new checkpoint file."""

    def build(name: str = "synthesizer.pt", **kwargs: object) -> Path:
        return make_checkpoint(tmp_path / name, **kwargs)  # type: ignore[arg-type]

    return build


@pytest.fixture()
def embed() -> list[float]:
    rng = np.random.default_rng(7)
    vector = np.abs(rng.normal(size=256))
    return (vector / np.linalg.norm(vector)).tolist()


def _wait_ready(client: TestClient, timeout_s: float = 30.0) -> None:
    """Poll /readyz until 200 (the warm-up runs in the background)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"not ready after {timeout_s} s: {client.get('/readyz').json()}")


@pytest.fixture()
def tacotron_settings(tiny_checkpoint: Path, tmp_path: Path) -> Callable[..., Settings]:
    """Synthesizer settings on the tiny checkpoint, dropout off; keyword overrides."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "backend": "tacotron",
            "checkpoint": tiny_checkpoint,
            "models_dir": tmp_path,
            "prenet_dropout": False,
            "max_decoder_steps": MAX_FRAMES,
            "torch_threads": 1,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return build


@pytest.fixture()
def tacotron_client(tacotron_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(tacotron_settings())) as client:
        _wait_ready(client)
        yield client


@pytest.fixture()
def wait_ready() -> Callable[..., None]:
    """`wait_ready(client)`: poll /readyz until 200."""
    return _wait_ready
