"""The original routes, through the whole gateway app over fake upstreams."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import FRAMES_PER_CHAR, HOP, FakeUpstreams, fake_embedding


@pytest.mark.parametrize("path", ["/inference-c", "/inference-c/"])
def test_inference_c_runs_encoder_synthesizer_vocoder(
    client: TestClient, upstreams: FakeUpstreams, path: str
) -> None:
    wav = (np.sin(np.arange(32000) / 10) * 0.3).astype(np.float32)
    response = client.post(path, json={"wav": wav.tolist(), "sr": 16000, "text": "Hello."})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sr"] == 16000
    assert len(body["wav"]) == (FRAMES_PER_CHAR * len("Hello.") - 1) * HOP
    # The encoder got the caller's samples unchanged, the synthesizer its embedding.
    encoder_request = orjson.loads(upstreams.seen[0].content)
    assert np.allclose(encoder_request["wav"], wav) and encoder_request["sr"] == 16000
    synth_request = orjson.loads(upstreams.seen[1].content)
    assert synth_request["embed"] == fake_embedding(wav.tolist())
    assert synth_request["text"] == "Hello."
    assert [upstreams.stage_of(r) for r in upstreams.seen][:3] == \
        ["encoder", "synthesizer", "vocoder"]


def test_inference_c_answers_at_the_callers_sample_rate(client: TestClient) -> None:
    wav = np.zeros(22050, np.float32) + 0.1
    response = client.post("/inference-c", json={"wav": wav.tolist(), "sr": 22050, "text": "Hi"})
    assert response.status_code == 200
    body = response.json()
    assert body["sr"] == 22050
    expected_16k = (FRAMES_PER_CHAR * 2 - 1) * HOP
    assert abs(len(body["wav"]) - expected_16k * 22050 / 16000) <= 1


@pytest.mark.parametrize("path", ["/inference-w", "/inference-w/"])
def test_inference_w_starts_at_the_synthesizer(
    client: TestClient, upstreams: FakeUpstreams, path: str
) -> None:
    embed = [1 / 16] * 256
    response = client.post(path, json={"embed": embed, "sr": 16000, "text": "Good day."})
    assert response.status_code == 200
    assert response.json()["sr"] == 16000
    assert upstreams.paths("synthesizer") == ["/inference"]
    assert orjson.loads(upstreams.seen[0].content)["embed"] == embed


def test_timings_are_in_server_timing(client: TestClient) -> None:
    response = client.post("/inference-c", json={"wav": [0.1] * 1600, "sr": 16000, "text": "a"})
    timing = response.headers["server-timing"]
    for stage in ("encoder", "synthesizer", "vocoder", "total"):
        assert f"{stage};dur=" in timing


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"wav": [0.1] * 100, "text": "hi"}, "sr"),
        ({"wav": [0.1] * 100, "sr": 16000}, "text"),
        ({"sr": 16000, "text": "hi"}, "wav"),
        ({"wav": "not a list", "sr": 16000, "text": "hi"}, "wav"),
        ({"wav": [0.1], "sr": -5, "text": "hi"}, "sr"),
    ],
)
def test_inference_c_bad_fields_are_422_naming_the_field(
    client: TestClient, upstreams: FakeUpstreams, body: dict, names: str
) -> None:
    response = client.post("/inference-c", json=body)
    assert response.status_code == 422
    assert names in response.json()["error"]
    assert upstreams.seen == []  # nothing was sent upstream


def test_inference_c_rejects_non_json(client: TestClient) -> None:
    response = client.post("/inference-c", content=b"wav=1",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["error"]


def test_inference_w_wrong_embedding_length_is_422(client: TestClient) -> None:
    response = client.post("/inference-w", json={"embed": [0.1] * 255, "sr": 16000, "text": "x"})
    assert response.status_code == 422
    assert "256" in response.json()["error"]


def test_empty_text_is_422(client: TestClient, upstreams: FakeUpstreams) -> None:
    response = client.post("/inference-w", json={"embed": [0.1] * 256, "text": "   "})
    assert response.status_code == 422
    assert "text is empty" in response.json()["error"]
    assert upstreams.seen == []
