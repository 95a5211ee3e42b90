"""`POST /v1/clone`: multipart or JSON in, WAV or JSON out."""

from __future__ import annotations

import io

import numpy as np
import orjson
import pytest
import soundfile
from fastapi.testclient import TestClient

from tests.gateway.conftest import FRAMES_PER_CHAR, HOP, FakeUpstreams


def _wav_file(samples: np.ndarray, sr: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    data = np.stack([samples] * channels, axis=1) if channels > 1 else samples
    soundfile.write(buffer, data, sr, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def test_multipart_voice_file_gives_a_wav(client: TestClient, upstreams: FakeUpstreams) -> None:
    voice = (np.sin(np.arange(44100) / 7) * 0.4).astype(np.float32)
    response = client.post(
        "/v1/clone", files={"voice": ("me.wav", _wav_file(voice, 44100, channels=2))},
        data={"text": "Hello world"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    audio, sr = soundfile.read(io.BytesIO(response.content), dtype="float32")
    assert sr == 16000
    assert len(audio) == (FRAMES_PER_CHAR * len("Hello world") - 1) * HOP
    assert 0.45 < float(np.max(audio)) < 0.55
    # The encoder got the file's audio as JSON at the file's own rate, mixed to mono.
    sent = orjson.loads(upstreams.seen[0].content)
    assert sent["sr"] == 44100 and len(sent["wav"]) == 44100
    assert np.allclose(sent["wav"], voice, atol=1e-4)
    assert "encoder;dur=" in response.headers["server-timing"]
    assert response.headers["x-request-id"]


def test_json_with_samples_and_accept_json(client: TestClient) -> None:
    response = client.post(
        "/v1/clone", headers={"accept": "application/json"},
        json={"wav": [0.1] * 8000, "sr": 8000, "text": "Hi", "output_sr": 24000},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["sr"] == 24000
    assert abs(len(body["wav"]) - (FRAMES_PER_CHAR * 2 - 1) * HOP * 1.5) <= 1


def test_multipart_with_an_embedding(client: TestClient, upstreams: FakeUpstreams) -> None:
    response = client.post(
        "/v1/clone", files={"embed": (None, orjson.dumps([0.0625] * 256))},
        data={"text": "Hi", "output_sr": "22050"},
    )
    assert response.status_code == 200, response.text
    _, sr = soundfile.read(io.BytesIO(response.content))
    assert sr == 22050
    assert upstreams.paths("encoder") in ([], ["/inference"])  # only a self-check, if any


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"json": {"text": "hi"}}, 422, "exactly one of"),
        ({"json": {"text": "hi", "wav": [0.1]}}, 422, "`sr`"),
        ({"json": {"text": "hi", "wav": [0.1], "sr": 16000, "embed": [0.1] * 256}}, 422,
         "exactly one of"),
        ({"files": {"voice": ("x.wav", b"not audio at all")}, "data": {"text": "hi"}}, 422,
         "not in a known audio format; send WAV"),
        ({"files": {"embed": (None, b"[1, 2")}, "data": {"text": "hi"}}, 422, "embed"),
        ({"content": b"text=hi", "headers": {"content-type": "text/plain"}}, 415, "text/plain"),
    ],
)
def test_bad_requests_are_explained(
    client: TestClient, upstreams: FakeUpstreams, kwargs: dict, status: int, words: str
) -> None:
    response = client.post("/v1/clone", **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert upstreams.seen == []
