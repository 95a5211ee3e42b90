"""The split deployment: synthesizer -> synthesizer-model over real HTTP (uvicorn on an
ephemeral port) gives the same mels as running the model in-process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from voiceclone_synthesizer.app import create_app
from voiceclone_synthesizer.config import ModelServerSettings, Settings
from voiceclone_synthesizer.model_server.app import create_app as create_model_app

MAX_FRAMES = 40
TEXT = "Hello there, my friend. This is the split deployment! Does it match? 42 times."


@pytest.fixture()
def model_server_url(tiny_checkpoint: Path) -> Iterator[str]:
    settings = ModelServerSettings(
        checkpoint=tiny_checkpoint, prenet_dropout=False, max_decoder_steps=MAX_FRAMES,
        torch_threads=1,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_model_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "model server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _spec(client: TestClient, embed: list[float], text: str = TEXT) -> np.ndarray:
    response = client.post("/inference", json={"embed": embed, "text": text})
    assert response.status_code == 200, response.text
    return np.asarray(response.json()["spec"], dtype=np.float32)


def test_split_equals_in_process(
    tacotron_settings: Callable[..., Settings], model_server_url: str, embed: list[float],
    wait_ready: Callable[..., None],
) -> None:
    with TestClient(create_app(tacotron_settings(batch_size=2))) as local:
        wait_ready(local)
        expected = _spec(local, embed)
    split = tacotron_settings(batch_size=2, model_url=model_server_url, checkpoint=None)
    with TestClient(create_app(split)) as remote:
        wait_ready(remote)
        assert remote.get("/readyz").json()["checks"] == {"model_server": "ok"}
        got = _spec(remote, embed)
        assert 'backend="tacotron-remote"' in remote.get("/metrics").text
    np.testing.assert_array_equal(got, expected)


def test_model_server_errors_are_relayed(
    tacotron_settings: Callable[..., Settings], model_server_url: str, embed: list[float]
) -> None:
    settings = tacotron_settings(model_url=model_server_url, batch_size=100)
    with TestClient(create_app(settings)) as client:
        text = " ".join(["Word."] * 70)  # 70 sentences in one batch: over the server's 64
        response = client.post("/inference", json={"embed": embed, "text": text})
        assert response.status_code == 422
        body = response.json()
        assert body["stage"] == "synthesizer-model"
        assert "MAX_BATCH" in body["error"]


def test_model_server_down_is_503_and_not_ready(
    tacotron_settings: Callable[..., Settings], embed: list[float]
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    settings = tacotron_settings(model_url=f"http://127.0.0.1:{port}", model_timeout_s=2)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 503
        response = client.post("/inference", json={"embed": embed, "text": "Hello."})
        assert response.status_code == 503
        assert response.json()["error_type"] == "upstream_unavailable"
        assert response.json()["stage"] == "synthesizer-model"
