"""Fixtures every test package may use: real speech audio and the real databases.

Audio is made here, never downloaded: SVOX Pico (the `py-nanotts` wheel) speaks a
sentence. Voice-activity trimming removes tones and noise, so speech it must be.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlparse

import numpy as np
import pytest

SPEECH_SR = 16000
DEFAULT_SENTENCE = (
    "The quick brown fox jumps over the lazy dog, and then it runs far away into the "
    "green forest."
)


def make_speech(
    text: str = DEFAULT_SENTENCE,
    *,
    voice: str = "en-US",
    pitch: float = 1.0,
    speed: float = 1.0,
    sr: int = SPEECH_SR,
) -> np.ndarray:
    """Speech from SVOX Pico as float32 in [-1, 1], resampled to `sr` Hz."""
    from py_nanotts import NanoTTS

    pcm = NanoTTS().speak(text, voice=voice, pitch=pitch, speed=speed)
    wav = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    if sr != SPEECH_SR:
        import soxr

        wav = soxr.resample(wav, SPEECH_SR, sr, quality="HQ").astype(np.float32)
    return wav


@pytest.fixture(scope="session")
def speech() -> Callable[..., np.ndarray]:
    """A factory: `speech(text, voice=..., pitch=..., speed=..., sr=...)`."""
    return make_speech


def _mysql_reachable(url: str) -> str | None:
    """None when a MySQL server answers at `url`, else the reason it does not."""
    import pymysql

    parts = urlparse(url)
    try:
        conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            database=(parts.path or "/test").lstrip("/") or "test",
            connect_timeout=3,
        )
    except Exception as exc:  # any failure to connect means: no database here
        return f"{type(exc).__name__}: {exc}"
    conn.close()
    return None


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """URL of a real MySQL/MariaDB database for tests.

    Skipped with the reason when none answers; CI sets VOICECLONE_REQUIRE_MYSQL=1 so
    that a missing database fails instead.
    """
    url = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
    problem = _mysql_reachable(url)
    if problem is not None:
        message = f"no MySQL server at {url} ({problem}); set TEST_MYSQL_URL or start MariaDB"
        if os.environ.get("VOICECLONE_REQUIRE_MYSQL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url
