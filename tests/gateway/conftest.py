"""Fixtures of the gateway tests: fake upstreams behind `httpx.MockTransport`.

`FakeUpstreams` answers like the real encoder, synthesizer and vocoder (same request
and response contracts), records every request it sees, and can be told to fail per
stage, so that each error mapping is tested against a real gateway app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient
from voiceclone_contracts.synthesizer import SynthesizeRequest
from voiceclone_contracts.vocoder import VocodeRequest
from voiceclone_gateway.app import create_app
from voiceclone_gateway.config import Settings

HOSTS = {"encoder": "encoder.test", "synthesizer": "synthesizer.test",
         "synthesizer-model": "synthesizer-model.test", "vocoder": "vocoder.test"}
FRAMES_PER_CHAR = 4  # the fake synthesizer's mel length per character of text
HOP = 200  # samples per mel frame at 16 kHz, as RTVC's vocoder


def fake_embedding(wav: list[float]) -> list[float]:
    """A deterministic, L2-normalised, non-negative 256-d vector from the audio."""
    seed = int(abs(sum(wav[:100])) * 1e6) % 2**32
    vector = np.random.default_rng(seed).random(256)
    return (vector / np.linalg.norm(vector)).tolist()


@dataclass
class FakeUpstreams:
    """Answers as the upstreams would; `fail[stage]` = a handler to use instead."""

    seen: list[httpx.Request] = field(default_factory=list)
    fail: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    # The vocoder's per-call limit, enforced as the real one does (VOCODER_MAX_FRAMES).
    vocoder_max_frames: int = 2400

    def stage_of(self, request: httpx.Request) -> str:
        return next(s for s, host in HOSTS.items() if host == request.url.host)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        stage = self.stage_of(request)
        if stage in self.fail:
            return self.fail[stage](request)
        path = request.url.path
        if path == "/readyz":
            return httpx.Response(200, json={"status": "ok", "checks": {}})
        if stage == "encoder" and path == "/inference":
            body = orjson.loads(request.content)
            return httpx.Response(200, json={"embed": fake_embedding(body["wav"])})
        if stage == "synthesizer" and path == "/inference":
            body = SynthesizeRequest.model_validate_json(request.content)
            frames = FRAMES_PER_CHAR * len(body.text)
            return httpx.Response(200, json={"spec": np.full((80, frames), -1.0).tolist()})
        if stage == "vocoder" and path == "/inference":
            spec = VocodeRequest.model_validate_json(request.content).spec
            if len(spec[0]) > self.vocoder_max_frames:
                return httpx.Response(422, json={
                    "error": f"spec has {len(spec[0])} frames; the limit is "
                             f"{self.vocoder_max_frames}", "error_type": "invalid_input"})
            n = (len(spec[0]) - 1) * HOP
            wav = np.sin(np.arange(n) * 2 * np.pi * 220 / 16000).astype(np.float32) * 0.5
            return httpx.Response(200, content=orjson.dumps(
                {"wav": wav, "sr": 16000}, option=orjson.OPT_SERIALIZE_NUMPY),
                headers={"content-type": "application/json"})
        return httpx.Response(404, json={"error": f"no route {path}", "error_type": "not_found"})

    def paths(self, stage: str) -> list[str]:
        return [r.url.path for r in self.seen if self.stage_of(r) == stage]


def gateway_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "encoder_url": f"http://{HOSTS['encoder']}",
        "synthesizer_url": f"http://{HOSTS['synthesizer']}",
        "synthesizer_model_url": f"http://{HOSTS['synthesizer-model']}",
        "vocoder_url": f"http://{HOSTS['vocoder']}",
        "retry_backoff_s": 0.001,
        "log_flush_interval_s": 0.05,
        "log_retry_max_s": 0.2,
        "database_url": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def upstreams() -> FakeUpstreams:
    return FakeUpstreams()


@pytest.fixture
def make_client(
    tmp_path: Path, upstreams: FakeUpstreams
) -> Iterator[Callable[..., TestClient]]:
    """`make_client(**settings)` -> a TestClient of a gateway over the fake upstreams."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        app = create_app(gateway_settings(tmp_path, **overrides),
                         transport=httpx.MockTransport(upstreams))
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def log_rows(client: TestClient, **where: object) -> list[dict]:
    """Every request-log row (after flushing the writer), oldest first."""
    state = client.app.state.gateway
    assert state.log_writer.flush(10), "the request log did not flush"
    sql = f"SELECT * FROM {state.db.tables['request_log']}"
    params = list(where.values())
    if where:
        sql += " WHERE " + " AND ".join(f"{column} = ?" for column in where)
    with state.db.connect() as conn:
        return sorted(state.db.query(conn, sql, params), key=lambda r: str(r["created_at"]))
