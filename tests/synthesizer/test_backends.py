"""Backend selection (`SYNTHESIZER_BACKEND`) and the tacotron backend's batch API."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from voiceclone_synthesizer.backends import (
    SynthesizerBackend,
    load_backend,
    resolve_backend_name,
)
from voiceclone_synthesizer.backends.tacotron import TacotronBackend
from voiceclone_synthesizer.config import Settings


def test_auto_picks_tacotron_when_the_checkpoint_is_in_models_dir(
    tiny_checkpoint: Path, tmp_path: Path
) -> None:
    assert resolve_backend_name(Settings(models_dir=tmp_path)) == "default"
    shutil.copy(tiny_checkpoint, tmp_path / "synthesizer.pt")
    settings = Settings(models_dir=tmp_path, prenet_dropout=False)
    assert resolve_backend_name(settings) == "tacotron"
    backend = load_backend(settings)
    assert isinstance(backend, TacotronBackend)
    assert isinstance(backend, SynthesizerBackend)


def test_explicit_choice_wins(tiny_checkpoint: Path, tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path, checkpoint=tiny_checkpoint, backend="default")
    assert resolve_backend_name(settings) == "default"
    assert resolve_backend_name(Settings(models_dir=tmp_path, backend="tacotron")) == "tacotron"


def test_default_backend_satisfies_the_interface(tmp_path: Path) -> None:
    default_voice = pytest.importorskip(
        "voiceclone_synthesizer.backends.default_voice",
        reason="the default backend (issue 7 part B) is not in this tree yet",
    )
    if not Path(default_voice.BANK_PATH).is_file():
        pytest.skip("the default backend's voice bank is not built yet (issue 7 part B)")
    backend = load_backend(Settings(models_dir=tmp_path))
    assert backend.name == "default"
    assert isinstance(backend, SynthesizerBackend)


def test_tacotron_backend_synthesizes_a_batch(tiny_checkpoint: Path) -> None:
    backend = TacotronBackend.load(tiny_checkpoint, prenet_dropout=False, max_frames=30)
    backend.warmup()
    embeds = np.full((3, 256), 1 / 16, dtype=np.float32)
    mels = backend.synthesize(["First.", "A second, longer sentence.", "Third!"], embeds)
    assert len(mels) == 3
    for mel in mels:
        assert mel.dtype == np.float32 and mel.shape[0] == 80
        assert mel.shape[1] == 1 or mel[:, -1].max() >= -3.4
    batch = backend.generate_batch([[30, 31, 1], [40, 1]], embeds[:2])
    assert batch.shape[0] == 2 and batch.shape[1] == 80 and batch.shape[2] % 2 == 0
