"""The HTTP API, built with its own settings and driven through TestClient."""

from __future__ import annotations

import asyncio
import io
import shutil
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from voiceclone_common.errors import Overloaded
from voiceclone_vocoder.app import create_app
from voiceclone_vocoder.backends import Vocoder
from voiceclone_vocoder.config import Settings
from voiceclone_vocoder.errors import CheckpointError
from voiceclone_vocoder.griffinlim import GriffinLimVocoder
from voiceclone_vocoder.service import VocoderService


def _ready_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, client.get("/readyz").json()
            time.sleep(0.05)
        yield client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        backend="griffinlim", griffin_lim_iters=5, max_frames=400,
        models_dir=tmp_path_factory.mktemp("empty_models"), max_body_bytes=4_000_000,
    )
    yield from _ready_client(settings)


@pytest.fixture(scope="module")
def spec(speech_mel: tuple[np.ndarray, np.ndarray]) -> list[list[float]]:
    return speech_mel[1][:, :120].tolist()


def test_health_endpoints(client: TestClient) -> None:
    assert client.get("/check").json() == "service available"
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"model": "ok"}}


def test_legacy_inference_json(client: TestClient, spec: list[list[float]]) -> None:
    for path in ("/inference", "/inference/"):
        res = client.post(path, json={"spec": spec, "sr": 16000})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["sr"] == 16000 and body["backend"] == "griffinlim"
        wav = np.asarray(body["wav"])
        assert wav.shape == (120 * 200,)
        assert np.abs(wav).max() <= 1.0 and np.abs(wav).max() > 0.5


def test_wav_when_accept_asks(client: TestClient, spec: list[list[float]]) -> None:
    res = client.post("/inference", json={"spec": spec, "sr": 22050},
                      headers={"Accept": "audio/wav"})
    assert res.status_code == 200
    assert res.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(res.content)) as w:
        assert w.getframerate() == 22050
        assert w.getnframes() == round(120 * 200 * 22050 / 16000)


def test_pad_seconds_and_seed(client: TestClient, spec: list[list[float]]) -> None:
    body = {"spec": spec, "sr": 16000, "seed": 7}
    plain = np.asarray(client.post("/inference", json=body).json()["wav"])
    padded = np.asarray(client.post("/inference", json={**body, "pad_seconds": 1.0}).json()["wav"])
    assert len(padded) == len(plain) + 16000
    np.testing.assert_array_equal(padded[: len(plain)], plain)  # same seed, same audio
    assert not padded[len(plain) :].any()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"spec": [[0.0] * 10] * 40}, "expected 80 mel bands"),
        ({"spec": [[0.0] * 10] * 79 + [[0.0] * 9]}, "different lengths"),
        ({"spec": []}, "empty"),
        ({"spec": [[0.0] * 401] * 80}, "limit is 400"),
        ({"spec": [[0.0] * 10] * 80, "sr": 96000}, "sr=96000"),
        ({"spec": [[0.0] * 10] * 80, "pad_seconds": 60}, "pad_seconds"),
        ({"sr": 16000}, "spec"),
    ],
)
def test_bad_input_is_a_clear_422(client: TestClient, body: dict, fragment: str) -> None:
    res = client.post("/inference", json=body)
    assert res.status_code == 422
    assert fragment in res.json()["error"]
    assert res.json()["error_type"] == "invalid_input"


def test_non_finite_values_are_refused(client: TestClient) -> None:
    # JSON has no NaN, but Python's json module writes it and FastAPI's parser reads it.
    rows = ",".join(["[0.0, NaN, -Infinity]"] * 80)
    res = client.post("/inference", content=f'{{"spec": [{rows}]}}',
                      headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert "non-finite" in res.json()["error"]


def test_oversized_body_is_413(client: TestClient) -> None:
    res = client.post("/inference", content=b"[" + b"0.0," * 1_100_000 + b"0.0]",
                      headers={"content-type": "application/json"})
    assert res.status_code == 413


def test_metrics_count_audio(client: TestClient, spec: list[list[float]]) -> None:
    client.post("/inference", json={"spec": spec})
    text = client.get("/metrics").text
    assert 'vocoder_audio_seconds_total{backend="griffinlim"}' in text
    assert "vocoder_inference_seconds_bucket" in text


def test_not_ready_is_503(client: TestClient, spec: list[list[float]]) -> None:
    service = client.app.state.vocoder
    service.ready = False
    try:
        assert client.get("/readyz").status_code == 503
        res = client.post("/inference", json={"spec": spec})
        assert res.status_code == 503 and res.json()["error_type"] == "not_ready"
    finally:
        service.ready = True


def test_wavernn_backend_over_http(small_checkpoint: Path, spec: list[list[float]]) -> None:
    settings = Settings(backend="wavernn", checkpoint=small_checkpoint, target=2000, overlap=200)
    for client in _ready_client(settings):
        res = client.post("/inference", json={"spec": [row[:30] for row in spec], "seed": 1})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["backend"] == "wavernn"
        assert len(body["wav"]) == 29 * 200


def test_auto_picks_wavernn_when_the_checkpoint_exists(
    small_checkpoint: Path, tmp_path: Path
) -> None:
    for client in _ready_client(Settings(models_dir=tmp_path, griffin_lim_iters=1)):
        assert client.app.state.vocoder.vocoder.name == "griffinlim"
    shutil.copy(small_checkpoint, tmp_path / "vocoder.pt")
    for client in _ready_client(Settings(models_dir=tmp_path)):
        assert client.app.state.vocoder.vocoder.name == "wavernn"


def test_missing_checkpoint_stops_startup(tmp_path: Path) -> None:
    app = create_app(Settings(backend="wavernn", models_dir=tmp_path))
    with pytest.raises(CheckpointError, match=r"not found at .*vocoder\.pt"), TestClient(app):
        pass


def test_corrupt_checkpoint_stops_startup(tmp_path: Path) -> None:
    (tmp_path / "vocoder.pt").write_bytes(b"<html>404 Not Found</html>")
    app = create_app(Settings(backend="wavernn", models_dir=tmp_path))
    with pytest.raises(CheckpointError, match="cannot read"), TestClient(app):
        pass


def test_full_queue_is_429() -> None:
    service = VocoderService(
        Vocoder(name="griffinlim", backend=GriffinLimVocoder(n_iter=1)),
        CollectorRegistry(), max_queue=0,
    )
    mel = np.full((80, 4), -2.0, dtype=np.float32)

    async def scenario() -> None:
        await service._lock.acquire()  # an inference in progress
        try:
            with pytest.raises(Overloaded):
                await service.vocode(mel, seed=0)
        finally:
            service._lock.release()
        assert len(await service.vocode(mel, seed=0)) == 800

    asyncio.run(scenario())
