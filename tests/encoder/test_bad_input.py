"""Every kind of bad input gets a 4xx JSON error that names the field and the limit."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf


def _error(response, status: int, *needles: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "error_type"}
    for needle in needles:
        assert needle in body["error"], body["error"]
    return body


def _raw(client, path: str, content: bytes, content_type: str = "application/json"):
    return client.post(path, content=content, headers={"content-type": content_type})


def test_empty_wav(client) -> None:
    _error(client.post("/inference", json={"wav": [], "sr": 16000}), 422, "wav is empty")


@pytest.mark.parametrize("wav", [["a", "b"], [0.1, None], [0.1, True], "0.1,0.2", {"x": 1}])
def test_non_numbers(client, wav) -> None:
    body = _error(client.post("/inference", json={"wav": wav, "sr": 16000}), 422, "wav")
    assert body["error_type"] == "invalid_input"


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity(client, literal: bytes) -> None:
    content = b'{"wav": [0.1, ' + literal + b', 0.2], "sr": 16000}'
    _error(_raw(client, "/inference", content), 422, "NaN or Infinity", "finite")


def test_overflowing_number_is_not_finite(client) -> None:
    _error(_raw(client, "/inference", b'{"wav": [0.1, 1e300], "sr": 16000}'), 422, "finite")


@pytest.mark.parametrize("wav", [[[0.1, 0.2], [0.3, 0.4]], [[0.1, 0.2], [0.3]], [0.1, [0.2]]])
def test_nested_or_stereo_lists(client, wav) -> None:
    _error(client.post("/inference", json={"wav": wav, "sr": 16000}), 422, "wav must be a flat")


@pytest.mark.parametrize(("sr", "needle"), [
    (None, "sr is required"), (0, "positive"), (-16000, "positive"), (4000, "between 8000"),
    (400000, "between 8000"), ("16k", "integer"), (16000.5, "integer"), (True, "integer"),
])
def test_bad_sample_rates(client, sentence_16k, sr, needle: str) -> None:
    payload: dict = {"wav": sentence_16k[:16000].tolist()}
    if sr is not None:
        payload["sr"] = sr
    _error(client.post("/inference", json=payload), 422, needle)


def test_silence_is_rejected_not_nan(client) -> None:
    _error(client.post("/inference", json={"wav": [0.0] * 32000, "sr": 16000}), 422, "silent")
    _error(client.post("/preprocess", json={"wav": [0.0] * 32000, "sr": 16000}), 422, "silent")


def test_noise_without_speech_says_how_much_is_needed(client) -> None:
    noise = np.random.default_rng(0).standard_normal(32000) * 1e-4
    _error(client.post("/inference", json={"wav": noise.tolist(), "sr": 16000}), 422,
           "of speech after silence trimming", "at least 1 s")


def test_too_little_speech(client, speech) -> None:
    short = speech("Hi.")
    body = _error(client.post("/inference", json={"wav": short.tolist(), "sr": 16000}), 422,
                  "at least 1 s of speech")
    assert "ENCODER_MIN_SPEECH_S" in body["error"]


def test_audio_over_max_duration_is_413(client) -> None:
    too_long = [0.0] * (31 * 8000)  # the test app allows 30 s
    _error(client.post("/inference", json={"wav": too_long, "sr": 8000}), 413, "limit is 30 s")
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(31 * 8000, dtype=np.float32), 8000, format="FLAC")
    _error(_raw(client, "/embed/audio", buffer.getvalue(), "audio/flac"), 413, "limit is 30 s")


def test_body_over_max_size_is_413(client) -> None:
    content = b'{"wav": [' + b"0.1," * (3 * 1024 * 1024) + b'0.1], "sr": 16000}'
    body = _error(_raw(client, "/inference", content), 413, "limit of")
    assert body["error_type"] == "payload_too_large"


def test_undecodable_and_unsupported_files(client) -> None:
    garbage = _raw(client, "/embed/audio", b"this is not audio" * 100, "audio/wav")
    assert garbage.status_code in (415, 422)
    assert "format" in garbage.json()["error"] or "decode" in garbage.json()["error"]
    truncated = io.BytesIO()
    sf.write(truncated, np.zeros(16000, dtype=np.float32), 16000, format="FLAC")
    broken = _raw(client, "/embed/audio", truncated.getvalue()[:60], "audio/flac")
    assert broken.status_code in (415, 422), broken.text
    empty = client.post("/embed/file", files={"file": ("a.wav", b"", "audio/wav")})
    _error(empty, 422, "empty")


@pytest.mark.parametrize(("path", "content_type", "status"), [
    ("/inference", "text/plain", 415), ("/inference", "audio/wav", 415),
    ("/embed/audio", "application/json", 415), ("/embed/audio", "text/plain", 415),
])
def test_wrong_content_type(client, path: str, content_type: str, status: int) -> None:
    _error(_raw(client, path, b'{"wav": [0.1], "sr": 16000}', content_type), status,
           "Content-Type")


def test_invalid_json_and_wrong_top_level(client) -> None:
    _error(_raw(client, "/inference", b'{"wav": [0.1, 0.2'), 422, "not valid JSON")
    _error(_raw(client, "/inference", b"[0.1, 0.2]"), 422, "JSON object")
    _error(_raw(client, "/inference", b""), 422, "empty")
    _error(client.post("/inference", json={"sr": 16000}), 422, "wav is required")


def test_batch_limits_and_item_errors_are_located(client, sentence_16k) -> None:
    item = {"wav": sentence_16k.tolist(), "sr": 16000}
    tiny = {"wav": [0.1] * 10, "sr": 16000}
    _error(client.post("/embed/batch", json={"items": [tiny] * 9}), 422, "at most 8")
    _error(client.post("/embed/batch", json={"items": []}), 422, "non-empty")
    bad = client.post("/embed/batch", json={"items": [item, {"wav": [0.0] * 100, "sr": 0}]})
    _error(bad, 422, "items[1].sr")


def test_no_request_produces_a_500(client) -> None:
    for content in (b"null", b"1", b'{"wav": null, "sr": 16000}', b'{"wav": [1], "sr": []}'):
        response = _raw(client, "/inference", content)
        assert 400 <= response.status_code < 500, (content, response.text)


def test_file_upload_without_the_file_field(client) -> None:
    form = client.post("/embed/file", data={"other": "x"})
    _error(form, 422, "file is required", "'file'")
    not_a_form = _raw(client, "/embed/file", b"RIFF....", "audio/wav")
    _error(not_a_form, 422, "multipart/form-data")
