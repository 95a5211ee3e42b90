"""Encoder test fixtures: one warmed-up app for the API tests, the model, speech clips."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from voiceclone_encoder.app import create_app
from voiceclone_encoder.config import Settings
from voiceclone_encoder.model import SpeakerEncoder, load_encoder, packaged_weights_path


def wait_ready(client: TestClient, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"encoder not ready after {timeout_s} s: {client.get('/readyz').json()}")


@pytest.fixture(scope="session")
def encoder_settings() -> Settings:
    return Settings(max_audio_s=30.0, max_body_bytes=8 * 1024 * 1024, max_batch_items=8)


@pytest.fixture(scope="session")
def client(encoder_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(encoder_settings), raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


@pytest.fixture(scope="session")
def encoder_model() -> SpeakerEncoder:
    return load_encoder(packaged_weights_path())


@pytest.fixture(scope="session")
def sentence_16k(speech: Callable[..., np.ndarray]) -> np.ndarray:
    """~5.7 s of Pico speech at 16 kHz (float32)."""
    return speech()
