"""The legacy contract, exactly: /inference(/) and /preprocess(/), plain JSON; health."""

from __future__ import annotations

import numpy as np
import pytest
from resemblyzer import VoiceEncoder, preprocess_wav


@pytest.mark.parametrize("path", ["/inference", "/inference/"])
def test_inference_returns_plain_embed_object(client, sentence_16k, path: str) -> None:
    response = client.post(path, json={"wav": sentence_16k.tolist(), "sr": 16000})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["embed"]  # the legacy shape, not a double-encoded string
    embed = np.array(body["embed"])
    assert embed.shape == (256,)
    assert (embed >= 0).all()
    assert np.linalg.norm(embed) == pytest.approx(1.0, abs=1e-5)


def test_inference_resamples_and_matches_reference(client, speech) -> None:
    wav = speech(sr=22050)
    expected = VoiceEncoder(device="cpu", verbose=False).embed_utterance(
        preprocess_wav(wav, source_sr=22050), rate=1.25
    )
    body = client.post("/inference", json={"wav": wav.tolist(), "sr": 22050}).json()
    assert np.abs(np.array(body["embed"]) - expected).max() <= 1e-4


def test_inference_with_partials(client, sentence_16k) -> None:
    body = client.post(
        "/inference", json={"wav": sentence_16k.tolist(), "sr": 16000, "return_partials": True}
    ).json()
    partials = np.array(body["partials"])
    assert partials.shape[1] == 256 and partials.shape[0] >= 2
    mean = partials.mean(axis=0)
    np.testing.assert_allclose(body["embed"], mean / np.linalg.norm(mean), atol=1e-6)
    assert 3.0 < body["speech_seconds"] < len(sentence_16k) / 16000 + 0.01


@pytest.mark.parametrize("path", ["/preprocess", "/preprocess/"])
def test_preprocess_returns_16k_speech(client, speech, path: str) -> None:
    wav = speech(sr=44100)
    body = client.post(path, json={"wav": wav.tolist(), "sr": 44100}).json()
    assert body["sr"] == 16000
    np.testing.assert_allclose(body["wav"], preprocess_wav(wav, source_sr=44100), atol=1e-7)


def test_health_endpoints(client) -> None:
    assert client.get("/check").json() == "service available"
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"model": "ok"}}


def test_metrics_report_requests_queue_and_batches(client, sentence_16k) -> None:
    client.post("/inference", json={"wav": sentence_16k.tolist(), "sr": 16000})
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/inference"' in text
    for series in ("http_request_duration_seconds_bucket", "encoder_queue_partials",
                   "encoder_queue_requests", "encoder_batch_partials_bucket",
                   "encoder_forward_seconds_count"):
        assert series in text


def test_openapi_documents_every_endpoint(client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/inference", "/preprocess", "/embed/file", "/embed/audio", "/embed/batch",
                 "/embed/speaker", "/similarity"):
        assert path in spec["paths"], path
    body = spec["paths"]["/inference"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/InferenceRequest")
    assert "InferenceRequest" in spec["components"]["schemas"]
    assert "WavRequest" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200
