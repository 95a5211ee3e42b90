"""Long text, streamed: sentences, time to first audio, the progress events, the
self-check in the log, and the pieces (sentence splitting, WAV header, speed)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import people_stack as stack
import pytest
import soundfile as sf
from voiceclone_gateway.sentences import MAX_SENTENCE_CHARS, split_sentences
from voiceclone_gateway.speech_formats import pcm16, streaming_wav_header, time_stretch

SENTENCES = [f"This is sentence number {n}, spoken in the cloned voice." for n in range(1, 7)]
LONG_TEXT = " ".join(SENTENCES)
VOCODER_DELAY_S = 0.25


@pytest.fixture(scope="module")
def behaviour() -> Any:
    return stack.FakeBehaviour()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def gateway(behaviour: Any, data_dir: Path) -> Iterator[str]:
    with stack.fake_upstreams(behaviour) as upstreams, stack.gateway(
        upstreams, str(data_dir)
    ) as url:
        yield url


@pytest.fixture(scope="module")
def voice_wav(speech: Callable[..., np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, speech("Streaming needs a reference voice like this one."), 16000,
             format="WAV")
    return buffer.getvalue()


# --- the pieces -------------------------------------------------------------------------

def test_sentences_split_at_ends_and_keep_every_word() -> None:
    text = 'Hello there. "Is it you?" she asked!\nYes. It is me, of course; who else'
    parts = split_sentences(text)
    # "Yes." alone is too short to synthesize well: it joins its neighbour.
    assert parts == ["Hello there.", '"Is it you?" she asked! Yes.',
                     "It is me, of course; who else"]
    assert " ".join(parts).split() == text.split()


def test_long_sentences_are_cut_at_clauses() -> None:
    text = ", ".join(["a clause of several words"] * 40) + "."
    parts = split_sentences(text)
    assert len(parts) > 1 and all(len(p) <= MAX_SENTENCE_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()


def test_streaming_wav_header_plays_whatever_follows() -> None:
    wav = (0.5 * np.sin(np.arange(8000) / 10)).astype(np.float32)
    data, sr = sf.read(io.BytesIO(streaming_wav_header(16000) + pcm16(wav)), dtype="float32")
    assert sr == 16000 and len(data) == 8000
    assert np.abs(data - wav).max() < 1e-3


@pytest.mark.parametrize("speed", [0.5, 1.5, 2.0])
def test_time_stretch_changes_duration_and_keeps_pitch(speed: float) -> None:
    sr, pitch_hz = 16000, 220.0
    tone = np.sin(2 * np.pi * pitch_hz * np.arange(2 * sr) / sr).astype(np.float32)
    out = time_stretch(tone, speed, sr)
    assert len(out) == pytest.approx(len(tone) / speed, abs=2)
    middle = out[sr // 10: -sr // 10]
    peak_hz = np.fft.rfftfreq(len(middle), 1 / sr)[np.argmax(np.abs(np.fft.rfft(middle)))]
    assert peak_hz == pytest.approx(pitch_hz, rel=0.02)


# --- the routes -------------------------------------------------------------------------

def test_first_audio_arrives_long_before_the_last(gateway: str, behaviour: Any,
                                                  voice_wav: bytes) -> None:
    behaviour.delay_s["vocoder"] = VOCODER_DELAY_S
    try:
        arrivals, chunks = [], []
        start = time.perf_counter()
        with httpx.stream("POST", f"{gateway}/v1/clone/stream", data={"text": LONG_TEXT},
                          files={"voice": ("v.wav", voice_wav)}, timeout=30) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"] == "audio/wav"
            for chunk in response.iter_raw():
                arrivals.append(time.perf_counter() - start)
                chunks.append(chunk)
    finally:
        behaviour.delay_s.pop("vocoder")
    first, total = arrivals[0], arrivals[-1]
    assert total >= len(SENTENCES) * VOCODER_DELAY_S
    assert first < total / 2, (first, total)
    wav, sr = sf.read(io.BytesIO(b"".join(chunks)))
    assert sr == 16000 and len(wav) > len(SENTENCES) * 16000


def test_raw_pcm_from_a_stored_voice(gateway: str, voice_wav: bytes) -> None:
    voice_id = httpx.post(f"{gateway}/v1/voices", data={"name": "Streamer"},
                          files={"samples": ("v.wav", voice_wav)}).json()["id"]
    response = httpx.post(f"{gateway}/v1/clone/stream?format=pcm",
                          json={"voice_id": voice_id, "text": LONG_TEXT}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/pcm"
    assert response.headers["x-sample-rate"] == "16000"
    assert len(response.content) > 2 * len(SENTENCES) * 16000


def test_leaving_early_stops_the_work(gateway: str, behaviour: Any, voice_wav: bytes) -> None:
    behaviour.delay_s["vocoder"] = VOCODER_DELAY_S
    before = behaviour.calls.get("vocoder", 0)
    try:
        with httpx.stream("POST", f"{gateway}/v1/clone/stream", data={"text": LONG_TEXT},
                          files={"voice": ("v.wav", voice_wav)}, timeout=30) as response:
            next(response.iter_raw())
        time.sleep(len(SENTENCES) * VOCODER_DELAY_S + 0.5)
    finally:
        behaviour.delay_s.pop("vocoder")
    assert behaviour.calls["vocoder"] - before < len(SENTENCES)


def _events(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def test_progress_events_then_the_result(gateway: str, voice_wav: bytes) -> None:
    response = httpx.post(f"{gateway}/v1/clone/events", data={"text": LONG_TEXT},
                          files={"voice": ("v.wav", voice_wav)}, timeout=30)
    assert response.headers["content-type"] == "application/x-ndjson"
    events = _events(response)
    stages = [(e["stage"], e["state"]) for e in events if e["type"] == "stage"]
    assert stages[:2] == [("encoder", "running"), ("encoder", "done")]
    assert stages.count(("vocoder", "done")) == len(SENTENCES)
    assert stages[-1] == ("self_check", "done")
    result = events[-1]
    assert result["type"] == "result"
    assert -1 <= result["similarity"] <= 1 and result["threshold"] > 0
    assert set(result["timings"]) >= {"encoder", "synthesizer", "vocoder", "self_check", "total"}
    wav, sr = sf.read(io.BytesIO(__import__("base64").b64decode(result["wav_base64"])))
    assert len(wav) / sr == pytest.approx(result["audio_seconds"], abs=1e-3)


def test_a_failing_stage_is_an_error_event(gateway: str, behaviour: Any,
                                           voice_wav: bytes) -> None:
    behaviour.fail["vocoder"] = (503, {"error": "vocoder warming up", "error_type": "not_ready"})
    try:
        response = httpx.post(f"{gateway}/v1/clone/events", data={"text": "Hello there."},
                              files={"voice": ("v.wav", voice_wav)}, timeout=30)
    finally:
        behaviour.fail.pop("vocoder")
    error = _events(response)[-1]
    assert error["type"] == "error" and error["stage"] == "vocoder"
    assert "vocoder" in error["error"]


def test_bad_input_is_a_4xx_before_any_stream(gateway: str) -> None:
    no_voice = httpx.post(f"{gateway}/v1/clone/events", data={"text": "Hello."})
    assert no_voice.status_code == 422 and "voice" in no_voice.json()["error"]
    bad_file = httpx.post(f"{gateway}/v1/clone/stream", data={"text": "Hello."},
                          files={"voice": ("v.wav", b"definitely not audio")})
    assert bad_file.status_code == 422 and bad_file.json()["error_type"] == "invalid_audio"


def test_every_clone_reports_similarity_and_the_log_keeps_it(
    gateway: str, voice_wav: bytes, data_dir: Path
) -> None:
    response = httpx.post(f"{gateway}/v1/clone", data={"text": "Checking myself."},
                          files={"voice": ("v.wav", voice_wav)}, timeout=30)
    assert response.status_code == 200
    similarity = float(response.headers["x-voice-similarity"])
    as_json = httpx.post(f"{gateway}/v1/clone", data={"text": "Checking myself."},
                         files={"voice": ("v.wav", voice_wav)},
                         headers={"Accept": "application/json"}, timeout=30).json()
    assert as_json["similarity"] == pytest.approx(similarity, abs=1e-4)

    from voiceclone_gateway.db import Database

    db = Database(f"sqlite:///{data_dir / 'gateway.sqlite3'}")
    request_id = response.headers["x-request-id"]
    rows: list[dict] = []
    for _ in range(100):
        with db.connect() as conn:
            rows = db.query(conn, "SELECT similarity FROM request_log WHERE request_id = ?",
                            (request_id,))
        if rows:
            break
        time.sleep(0.05)
    assert rows and rows[0]["similarity"] == pytest.approx(similarity, abs=1e-4)
