"""The whole stack, started as `make run` starts it: a voice and a text go in at the
gateway, speech comes out, and the request's row is in the gateway's log database.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.e2e

TEXT = "Hello world, this is a test of the voice cloning stack."


def find_log_row(db_path: Path, request_id: str, timeout_s: float = 15.0) -> sqlite3.Row:
    """The request log is written in batches: poll until the row is there."""
    deadline = time.monotonic() + timeout_s
    while True:
        if db_path.exists():
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
                conn.row_factory = sqlite3.Row
                try:
                    row = conn.execute(
                        "SELECT * FROM request_log WHERE request_id = ?", (request_id,)
                    ).fetchone()
                except sqlite3.OperationalError:  # table not created yet
                    row = None
            if row is not None:
                return row
        if time.monotonic() > deadline:
            raise AssertionError(f"no request_log row for {request_id} in {db_path}")
        time.sleep(0.2)


def test_every_service_is_ready(stack: Any) -> None:
    for name in ("gateway", "encoder", "synthesizer", "vocoder"):
        url = f"http://127.0.0.1:{stack.env[f'{name.upper()}_PORT']}/readyz"
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200, f"{name}: {response.text}"


def test_voice_and_text_in_speech_out_and_logged(
    stack: Any, speech: Callable[..., np.ndarray]
) -> None:
    voice = speech("The quick brown fox jumps over the lazy dog near the river bank.")
    request_id = f"e2e-{uuid.uuid4().hex}"
    response = httpx.post(
        f"{stack.gateway_url}/inference-c",
        json={"wav": voice.tolist(), "sr": 16000, "text": TEXT},
        headers={"X-Request-ID": request_id},
        timeout=180,
    )
    assert response.status_code == 200, f"{response.text[:500]}\n{stack.log()}"
    assert response.headers["x-request-id"] == request_id
    body = response.json()
    wav = np.asarray(body["wav"], dtype=np.float64)
    assert body["sr"] == 16000
    seconds = wav.size / body["sr"]
    # ~55 characters of English: a couple of seconds of speech, not a click, not a minute.
    assert 1.0 < seconds < 20.0, seconds
    assert np.isfinite(wav).all()
    assert 0.0 < np.abs(wav).max() <= 1.0
    assert np.sqrt(np.mean(wav**2)) > 1e-3, "silence is not speech"

    row = find_log_row(Path(stack.env["DATA_DIR"]) / "gateway.sqlite3", request_id)
    assert row["status"] == 200
    assert row["route"].startswith("/inference-c")
    assert row["method"] == "POST"
    assert row["text_chars"] == len(TEXT)
    assert row["output_audio_s"] == pytest.approx(seconds, abs=0.05)
    for stage in ("encoder_ms", "synthesizer_ms", "vocoder_ms"):
        assert row[stage] is not None and row[stage] > 0, stage


def test_bad_input_is_a_4xx_not_a_crash(stack: Any) -> None:
    response = httpx.post(
        f"{stack.gateway_url}/inference-c",
        json={"wav": [0.0] * 1600, "sr": 16000, "text": "silence"},
        timeout=60,
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]
