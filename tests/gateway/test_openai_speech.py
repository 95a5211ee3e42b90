"""`POST /v1/audio/speech`, driven by the official `openai` Python client."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import openai
import people_stack as stack
import pytest
import soundfile as sf

KEY = "sk-test-openai"
TEXT = "Good morning. The weather today is sunny, with a light breeze from the west."


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with stack.fake_upstreams() as upstreams, stack.gateway(
        upstreams, str(tmp_path_factory.mktemp("data")), api_keys=f"oa:{KEY}"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def voice_id(gateway: str, speech: Callable[..., np.ndarray]) -> str:
    buffer = io.BytesIO()
    sf.write(buffer, speech("A voice for the OpenAI compatible endpoint."), 16000, format="WAV")
    response = httpx.post(f"{gateway}/v1/voices", data={"name": "Announcer"},
                          files={"samples": ("v.wav", buffer.getvalue())},
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def client(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway}/v1", api_key=KEY, max_retries=0)


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3", "opus"])
def test_formats_decode_to_16_khz_speech(client: openai.OpenAI, voice_id: str, fmt: str) -> None:
    response = client.audio.speech.create(model="tts-1", voice=voice_id, input=TEXT,
                                          response_format=fmt)  # type: ignore[arg-type]
    wav, sr = sf.read(io.BytesIO(response.content))
    assert sr in (16000, 48000)  # libsndfile decodes Opus at 48 kHz
    assert len(wav) / sr > 1.0
    assert np.isfinite(wav).all() and np.abs(wav).max() > 0.05


def test_pcm_is_24_khz_16_bit_as_openai_documents(client: openai.OpenAI, voice_id: str) -> None:
    wav = client.audio.speech.create(model="tts-1", voice=voice_id, input=TEXT,
                                     response_format="wav").content
    pcm = client.audio.speech.create(model="tts-1", voice=voice_id, input=TEXT,
                                     response_format="pcm").content
    seconds_wav = sf.info(io.BytesIO(wav)).frames / 16000
    assert len(pcm) % 2 == 0
    assert abs(len(pcm) / 2 / 24000 - seconds_wav) < 0.01


def test_voice_by_name_and_streaming_response(client: openai.OpenAI, voice_id: str,
                                              tmp_path: Path) -> None:
    out = tmp_path / "streamed.wav"
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="announcer", input=TEXT, response_format="wav"
    ) as response:
        assert response.headers["x-voice-id"] == voice_id
        response.stream_to_file(out)
    wav, sr = sf.read(out)
    assert sr == 16000 and len(wav) > 16000


def test_speed_changes_duration_not_pitch(client: openai.OpenAI, voice_id: str) -> None:
    def seconds(speed: float) -> float:
        data = client.audio.speech.create(model="tts-1", voice=voice_id, input=TEXT,
                                          response_format="flac", speed=speed).content
        return sf.info(io.BytesIO(data)).duration

    normal, fast, slow = seconds(1.0), seconds(2.0), seconds(0.5)
    assert fast == pytest.approx(normal / 2, rel=0.03)
    assert slow == pytest.approx(normal * 2, rel=0.03)


def test_whole_answers_carry_the_self_check(gateway: str, voice_id: str) -> None:
    response = httpx.post(f"{gateway}/v1/audio/speech", headers={"Authorization": f"Bearer {KEY}"},
                          json={"model": "tts-1", "voice": voice_id, "input": TEXT,
                                "response_format": "mp3"})
    assert response.status_code == 200
    assert -1.0 <= float(response.headers["x-voice-similarity"]) <= 1.0


def test_unknown_voice_is_not_found_in_openais_shape(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hello.")
    error = caught.value.body
    assert isinstance(error, dict)
    assert "no stored voice 'alloy'" in error["message"]
    assert error["type"] == "invalid_request_error" and error["code"] == "not_found"


def test_unsupported_format_names_the_param(client: openai.OpenAI, voice_id: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(model="tts-1", voice=voice_id, input="Hello.",
                                   response_format="aac")
    assert caught.value.body["param"] == "response_format"  # type: ignore[index]


def test_invalid_fields_are_400_with_the_param(gateway: str, voice_id: str) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    for body, param in (({"model": "tts-1", "voice": voice_id}, "input"),
                        ({"model": "tts-1", "voice": voice_id, "input": "x", "speed": 9},
                         "speed")):
        response = httpx.post(f"{gateway}/v1/audio/speech", json=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["param"] == param


def test_wrong_key_is_an_authentication_error(gateway: str) -> None:
    bad = openai.OpenAI(base_url=f"{gateway}/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.audio.speech.create(model="tts-1", voice="announcer", input="Hello.")
    assert caught.value.body["type"] == "authentication_error"  # type: ignore[index]
