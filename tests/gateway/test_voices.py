"""Stored voices: create from files or JSON, list, get, delete; owned by one API key;
kept in the database (SQLite here and in MariaDB); usable to clone by id or name."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import people_stack as stack
import pytest
import soundfile as sf

ALICE = {"Authorization": "Bearer key-alice"}
BOB = {"Authorization": "Bearer key-bob"}
KEYS = "alice:key-alice,bob:key-bob"


@pytest.fixture(scope="module")
def upstreams() -> Iterator[dict[str, str]]:
    with stack.fake_upstreams() as urls:
        yield urls


@pytest.fixture
def gateway(upstreams: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with stack.gateway(upstreams, str(tmp_path), api_keys=KEYS) as url:
        yield url


@pytest.fixture(scope="module")
def wav_file(speech: Callable[..., np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, speech("My voice is my passport, verify me please."), 16000, format="WAV")
    return buffer.getvalue()


def _create(url: str, name: str, wav: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{url}/v1/voices", data={"name": name},
                      files=[("samples", ("a.wav", wav, "audio/wav"))], headers=headers)


def test_create_list_get_delete(gateway: str, wav_file: bytes) -> None:
    created = _create(gateway, "Grandma", wav_file, ALICE)
    assert created.status_code == 201, created.text
    voice = created.json()
    assert voice["id"].startswith("voice_") and voice["name"] == "Grandma"
    assert voice["samples"] == 1 and voice["speech_seconds"] > 1
    assert created.headers["location"] == f"/v1/voices/{voice['id']}"

    listed = httpx.get(f"{gateway}/v1/voices", headers=ALICE).json()["voices"]
    assert [v["id"] for v in listed] == [voice["id"]]
    assert listed[0].get("embed") is None  # lists stay small

    by_id = httpx.get(f"{gateway}/v1/voices/{voice['id']}", headers=ALICE).json()
    by_name = httpx.get(f"{gateway}/v1/voices/grandma", headers=ALICE).json()
    assert by_id == by_name
    assert len(by_id["embed"]) == 256
    assert abs(np.linalg.norm(by_id["embed"]) - 1) < 1e-4

    assert httpx.delete(f"{gateway}/v1/voices/{voice['id']}", headers=ALICE).status_code == 204
    gone = httpx.get(f"{gateway}/v1/voices/{voice['id']}", headers=ALICE)
    assert gone.status_code == 404 and gone.json()["error_type"] == "not_found"


def test_json_with_several_samples_uses_the_speaker_endpoint(
    gateway: str, speech: Callable[..., np.ndarray]
) -> None:
    samples = [{"wav": speech(text).tolist(), "sr": 16000}
               for text in ("One sample of my voice.", "And another one, a little longer.")]
    created = httpx.post(f"{gateway}/v1/voices", json={"name": "Two", "samples": samples},
                         headers=ALICE)
    assert created.status_code == 201, created.text
    assert created.json()["samples"] == 2


def test_one_key_cannot_see_or_use_another_keys_voice(gateway: str, wav_file: bytes) -> None:
    voice_id = _create(gateway, "Private", wav_file, ALICE).json()["id"]
    assert httpx.get(f"{gateway}/v1/voices", headers=BOB).json() == {"voices": []}
    assert httpx.get(f"{gateway}/v1/voices/{voice_id}", headers=BOB).status_code == 404
    assert httpx.delete(f"{gateway}/v1/voices/{voice_id}", headers=BOB).status_code == 404
    speech = httpx.post(f"{gateway}/v1/audio/speech", headers=BOB, json={
        "model": "tts-1", "input": "Hello there.", "voice": voice_id, "response_format": "wav"})
    assert speech.status_code == 404
    clone = httpx.post(f"{gateway}/v1/clone/stream", headers=BOB,
                       data={"voice_id": voice_id, "text": "Hello there."})
    assert clone.status_code == 404
    # Bob may use the same name for his own voice.
    assert _create(gateway, "Private", wav_file, BOB).status_code == 201
    assert httpx.get(f"{gateway}/v1/voices/{voice_id}", headers=ALICE).status_code == 200


def test_names_are_unique_per_key_ignoring_case(gateway: str, wav_file: bytes) -> None:
    assert _create(gateway, "Narrator", wav_file, ALICE).status_code == 201
    again = _create(gateway, "  narrator ", wav_file, ALICE)
    assert again.status_code == 409
    assert "already have a voice named" in again.json()["error"]


@pytest.mark.parametrize(("data", "files", "status", "words"), [
    ({"name": "x"}, [("samples", ("a.wav", b"not audio", "audio/wav"))], 422, "audio"),
    ({"name": ""}, [("samples", ("a.wav", b"RIFF", "audio/wav"))], 422, "name"),
    ({"name": "x"}, None, 422, "samples"),
    ({"name": "<script>"}, [("samples", ("a.wav", b"RIFF", "audio/wav"))], 422, "name"),
])
def test_bad_requests_say_what_to_fix(gateway: str, data: dict, files: Any, status: int,
                                      words: str, wav_file: bytes) -> None:
    if files and files[0][1][1] == b"RIFF":
        files = [("samples", ("a.wav", wav_file, "audio/wav"))]
    response = httpx.post(f"{gateway}/v1/voices", data=data, files=files, headers=ALICE)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_too_little_speech_is_the_encoders_422(gateway: str) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(16000, np.float32), 16000, format="WAV")
    response = _create(gateway, "Silence", buffer.getvalue(), ALICE)
    assert response.status_code == 422
    body = response.json()
    assert body["stage"] == "encoder" and "speech" in body["error"]


def test_a_key_is_required_when_keys_are_configured(gateway: str) -> None:
    response = httpx.get(f"{gateway}/v1/voices")
    assert response.status_code == 401


def test_voices_survive_a_restart(upstreams: dict[str, str], tmp_path: Path,
                                  wav_file: bytes) -> None:
    with stack.gateway(upstreams, str(tmp_path), api_keys=KEYS) as url:
        voice_id = _create(url, "Kept", wav_file, ALICE).json()["id"]
    with stack.gateway(upstreams, str(tmp_path), api_keys=KEYS) as url:
        voice = httpx.get(f"{url}/v1/voices/Kept", headers=ALICE).json()
    assert voice["id"] == voice_id


@pytest.mark.mysql
def test_voices_in_mysql(upstreams: dict[str, str], tmp_path: Path, wav_file: bytes,
                         mysql_url: str) -> None:
    import uuid

    prefix = f"t{uuid.uuid4().hex[:8]}_"
    with stack.gateway(upstreams, str(tmp_path), api_keys=KEYS, DATABASE_URL=mysql_url,
                       db_table_prefix=prefix) as url:
        try:
            voice_id = _create(url, "Äsa Ström", wav_file, ALICE).json()["id"]
            assert _create(url, "äsa ström", wav_file, ALICE).status_code == 409
            voice = httpx.get(f"{url}/v1/voices/{voice_id}", headers=ALICE).json()
            assert voice["name"] == "Äsa Ström" and len(voice["embed"]) == 256
            assert httpx.get(f"{url}/v1/voices", headers=BOB).json() == {"voices": []}
            assert httpx.delete(f"{url}/v1/voices/{voice_id}", headers=ALICE).status_code == 204
        finally:
            _drop_tables(mysql_url, prefix)


def _drop_tables(mysql_url: str, prefix: str) -> None:
    from voiceclone_gateway.db import Database

    db = Database(mysql_url, table_prefix=prefix)
    with db.connect() as conn:
        cursor = conn.cursor()
        for table in db.tables.values():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        conn.commit()


def test_clone_with_a_stored_voice_instead_of_audio(gateway: str, wav_file: bytes) -> None:
    voice_id = _create(gateway, "Reused", wav_file, ALICE).json()["id"]
    by_form = httpx.post(f"{gateway}/v1/clone", headers=ALICE,  # multipart, no file
                         files={"voice_id": (None, voice_id), "text": (None, "No upload.")})
    assert by_form.status_code == 200, by_form.text
    assert by_form.headers["content-type"] == "audio/wav"
    by_json = httpx.post(f"{gateway}/v1/clone", headers={**ALICE, "Accept": "application/json"},
                         json={"voice_id": "reused", "text": "No upload needed."})
    assert by_json.status_code == 200 and len(by_json.json()["wav"]) > 0
    stolen = httpx.post(f"{gateway}/v1/clone", headers=BOB,
                        json={"voice_id": voice_id, "text": "Not mine."})
    assert stolen.status_code == 404
