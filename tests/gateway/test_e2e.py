"""End to end: the gateway over the real encoder, synthesizer and vocoder processes.

The three services start with their default backends (an empty models folder) on free
ephemeral ports; the gateway runs in-process over real HTTP to them.
"""

from __future__ import annotations

import importlib.util
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient
from voiceclone_gateway.app import create_app
from voiceclone_gateway.config import Settings

from tests.gateway.conftest import log_rows
from tests.gateway.test_long_text import LONG_TEXT

SERVICES = ("encoder", "synthesizer", "vocoder")
_missing = [s for s in SERVICES if importlib.util.find_spec(f"voiceclone_{s}.app") is None]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(_missing), reason=f"services not importable yet: {_missing}"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    work = tmp_path_factory.mktemp("e2e")
    (work / "models").mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ENCODER_", "SYNTHESIZER_", "VOCODER_", "GATEWAY_"))}
    env.update(MODELS_DIR=str(work / "models"), DATA_DIR=str(work / "data"),
               SYNTHESIZER_MODEL_URL="")
    urls, processes = {}, []
    for name in SERVICES:
        port = _free_port()
        urls[name] = f"http://127.0.0.1:{port}"
        processes.append(subprocess.Popen(
            [sys.executable, "-m", f"voiceclone_{name}"],
            env={**env, f"{name.upper()}_PORT": str(port), f"{name.upper()}_LOG_LEVEL": "warning"},
            stdout=open(work / f"{name}.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        ))
    try:
        deadline = time.monotonic() + 180
        for (name, url), process in zip(urls.items(), processes, strict=True):
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                log = (work / f"{name}.log").read_text(errors="replace")[-1500:]
                if process.poll() is not None:
                    # A service that cannot start here (e.g. a data file not built yet)
                    # is not the gateway's failure; its own tests cover it.
                    pytest.skip(f"the {name} service exited at start:\n{log}")
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not become ready in time:\n{log}")
                time.sleep(0.3)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


@pytest.fixture
def gateway(service_urls: dict[str, str], tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings.model_validate({
        "data_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'log.sqlite3'}",
        **{f"{name}_url": url for name, url in service_urls.items()},
    })
    with TestClient(create_app(settings)) as client:
        yield client


def test_ready_through_the_real_services(gateway: TestClient) -> None:
    response = gateway.get("/readyz")
    assert response.status_code == 200, response.text


def test_legacy_clone_gives_speech(gateway: TestClient, speech: Callable[..., np.ndarray]) -> None:
    voice = speech("The birch canoe slid on the smooth planks.", sr=22050)
    response = gateway.post("/inference-c", json={"wav": voice.tolist(), "sr": 22050,
                                                  "text": "Hello, how are you today?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sr"] == 22050
    wav = np.asarray(body["wav"], dtype=np.float32)
    assert 0.5 < len(wav) / 22050 < 10  # a short sentence, not silence or garbage length
    assert float(np.sqrt(np.mean(wav**2))) > 0.01  # audible
    [row] = log_rows(gateway, request_id=response.headers["x-request-id"])
    assert row["status"] == 200 and row["encoder_ms"] > 0 and row["vocoder_ms"] > 0
    assert abs(row["input_audio_s"] - len(voice) / 22050) < 0.01


def test_v1_clone_wav_and_pass_through(
    gateway: TestClient, speech: Callable[..., np.ndarray]
) -> None:
    voice = speech("Glue the sheet to the dark blue background.")
    buffer = io.BytesIO()
    soundfile.write(buffer, voice, 16000, format="WAV")
    response = gateway.post("/v1/clone", files={"voice": ("v.wav", buffer.getvalue())},
                            data={"text": "Nice to meet you."})
    assert response.status_code == 200, response.text
    audio, sr = soundfile.read(io.BytesIO(response.content))
    assert sr == 16000 and len(audio) > 8000
    embed = gateway.post("/encoder/inference", json={"wav": voice.tolist(), "sr": 16000})
    assert embed.status_code == 200 and len(embed.json()["embed"]) == 256
    silent = gateway.post("/inference-c", json={"wav": [0.0] * 16000, "sr": 16000, "text": "x"})
    assert silent.status_code == 422 and silent.json()["stage"] == "encoder"


def test_a_text_longer_than_one_vocoder_call(
    gateway: TestClient, speech: Callable[..., np.ndarray]
) -> None:
    # ~2900 mel frames in one piece: the vocoder's limit is 2400 (30 s) per call.
    voice = speech("The birch canoe slid on the smooth planks.")
    response = gateway.post("/inference-c", json={"wav": voice.tolist(), "sr": 16000,
                                                  "text": LONG_TEXT})
    assert response.status_code == 200, response.text
    wav = np.asarray(response.json()["wav"], dtype=np.float32)
    assert len(wav) / 16000 > 30  # more than one vocoder call can make
    assert float(np.sqrt(np.mean(wav**2))) > 0.01
    [row] = log_rows(gateway, request_id=response.headers["x-request-id"])
    assert row["status"] == 200 and row["output_audio_s"] > 30
