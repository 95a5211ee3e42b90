"""The synthesizer-model server: /generate on POST and GET-with-body, validation, no model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from voiceclone_synthesizer.backends import BackendUnavailable
from voiceclone_synthesizer.backends.tacotron import TacotronBackend
from voiceclone_synthesizer.config import ModelServerSettings
from voiceclone_synthesizer.model_server.app import create_app

MAX_FRAMES = 40


@pytest.fixture()
def settings(tiny_checkpoint: Path) -> ModelServerSettings:
    return ModelServerSettings(
        checkpoint=tiny_checkpoint, prenet_dropout=False, max_decoder_steps=MAX_FRAMES,
        torch_threads=1, max_batch=4, max_ids=50,
    )


@pytest.fixture()
def client(settings: ModelServerSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _body(embed: list[float]) -> dict[str, object]:
    return {"chars": [[30, 31, 32, 1], [40, 41, 1, 0]], "batched_embeds": [embed, embed]}


def test_post_returns_a_bare_b_by_80_by_t_list(client: TestClient, embed: list[float]) -> None:
    response = client.post("/generate", json=_body(embed))
    assert response.status_code == 200
    mels = np.asarray(response.json(), dtype=np.float32)
    assert mels.ndim == 3 and mels.shape[:2] == (2, 80) and mels.shape[2] % 2 == 0


def test_get_with_a_body_gives_the_same(client: TestClient, embed: list[float]) -> None:
    posted = client.post("/generate", json=_body(embed)).json()
    got = client.request("GET", "/generate", json=_body(embed))
    assert got.status_code == 200
    assert got.json() == posted  # dropout off: deterministic


def test_same_as_the_backend_in_process(
    client: TestClient, tiny_checkpoint: Path, embed: list[float]
) -> None:
    backend = TacotronBackend.load(tiny_checkpoint, prenet_dropout=False, max_frames=MAX_FRAMES)
    expected = backend.generate_batch([[30, 31, 32, 1], [40, 41, 1, 0]], np.array([embed] * 2))
    served = np.asarray(client.post("/generate", json=_body(embed)).json(), dtype=np.float32)
    np.testing.assert_array_equal(served, expected)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"chars": [[30, 1]], "batched_embeds": []}, "batched_embeds"),
        ({"chars": [], "batched_embeds": [[0.1] * 256]}, "chars"),
        ({"chars": [[30, 1], [31, 1]], "batched_embeds": [[0.1] * 256]}, "2 rows"),
        ({"chars": [[30, 66]], "batched_embeds": [[0.1] * 256]}, "id 66"),
        ({"chars": [[-1, 30]], "batched_embeds": [[0.1] * 256]}, "id -1"),
        ({"chars": [[0, 0, 0]], "batched_embeds": [[0.1] * 256]}, "only padding"),
        ({"chars": [[]], "batched_embeds": [[0.1] * 256]}, "only padding"),
        ({"chars": [[30] * 51], "batched_embeds": [[0.1] * 256]}, "over 50"),
        ({"chars": [[30]] * 5, "batched_embeds": [[0.1] * 256] * 5}, "MAX_BATCH"),
        ({"chars": [[30, 1]], "batched_embeds": [[0.1] * 255]}, "exactly 256"),
        ({"chars": [[30, 1]], "batched_embeds": [[0.0] * 256]}, "all zeros"),
        ({"chars": [["a"]], "batched_embeds": [[0.1] * 256]}, "chars"),
    ],
)
def test_bad_batches_are_422(client: TestClient, body: dict[str, object], fragment: str) -> None:
    response = client.post("/generate", json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["error"]


def test_health(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"model": "ok"}}
    assert client.get("/check").json() == "service available"
    assert "http_requests_total" in client.get("/metrics").text


def test_without_a_checkpoint_it_starts_and_explains(tmp_path: Path, embed: list[float]):
    settings = ModelServerSettings(models_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/livez").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "synthesizer.pt" in ready.json()["checks"]["model"]
        response = client.post("/generate", json=_body(embed))
        assert response.status_code == 503
        assert response.json()["error_type"] == "not_ready"
        assert "Tacotron checkpoint not found at" in response.json()["error"]


def test_corrupt_checkpoint_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "synthesizer.pt"
    bad.write_bytes(b"\x80\x02garbage")
    with (
        pytest.raises(BackendUnavailable, match="cannot read Tacotron checkpoint"),
        TestClient(create_app(ModelServerSettings(checkpoint=bad))),
    ):
        pass


def test_shared_env_names_configure_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SYNTHESIZER_PRENET_DROPOUT", "false")
    monkeypatch.setenv("SYNTHESIZER_CHECKPOINT", str(tmp_path / "x.pt"))
    monkeypatch.setenv("SYNTHESIZER_MODEL_PORT", "9123")
    settings = ModelServerSettings()
    assert (settings.prenet_dropout, settings.port) == (False, 9123)
    assert settings.tacotron_checkpoint() == tmp_path / "x.pt"
