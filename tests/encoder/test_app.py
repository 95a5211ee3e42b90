"""App lifecycle: 503 until warm, a bad checkpoint stops startup, env configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from voiceclone_encoder.app import create_app
from voiceclone_encoder.config import Settings
from voiceclone_encoder.model import CheckpointError


def test_not_ready_before_the_model_is_loaded() -> None:
    client = TestClient(create_app(Settings()))  # no context manager: lifespan not run
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["model"] == "warm-up forward pass not finished"
    assert client.get("/livez").status_code == 200
    response = client.post("/inference", json={"wav": [0.1], "sr": 16000})
    assert response.status_code == 503
    assert response.headers["retry-after"]


def test_corrupt_checkpoint_stops_startup(tmp_path: Path) -> None:
    bad = tmp_path / "encoder.pt"
    bad.write_bytes(b"\x00" * 100)
    app = create_app(Settings(checkpoint=bad))
    with pytest.raises(CheckpointError, match=str(bad)), TestClient(app):
        pass


def test_settings_from_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENCODER_PORT", "9123")
    monkeypatch.setenv("ENCODER_PRECISION", "bf16")
    monkeypatch.setenv("ENCODER_MAX_AUDIO_S", "12.5")
    monkeypatch.setenv("MODELS_DIR", str(tmp_path))
    settings = Settings()
    assert (settings.port, settings.precision, settings.max_audio_s) == (9123, "bf16", 12.5)
    assert settings.models_dir == tmp_path
    assert Settings.model_fields["port"].default == 8001
