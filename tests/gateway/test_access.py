"""API keys, the admin key, rate limits and size limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from voiceclone_gateway.access import KeyRing, RateLimiter

from tests.gateway.conftest import log_rows

EMBED = {"embed": [0.0625] * 256, "text": "Hello."}


def test_key_ring_ids_and_admin() -> None:
    keys = KeyRing("alice:s3cret, bare-secret", admin_key="root-key")
    assert keys.required
    assert keys.identify("s3cret").key_id == "alice"
    assert keys.identify("bare-secret").key_id.startswith("key-")
    assert keys.identify("root-key").is_admin
    assert keys.identify("wrong") is None
    assert not KeyRing().required


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    wait = limiter.acquire("a")
    assert 0 < wait <= 1.0
    assert limiter.acquire("b") == 0  # buckets are per key


def test_keys_required_when_configured(make_client) -> None:
    client = make_client(api_keys="alice:s3cret")
    assert client.post("/inference-w", json=EMBED).status_code == 401
    wrong = client.post("/inference-w", json=EMBED, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error_type"] == "unauthorized"
    ok = client.post("/inference-w", json=EMBED, headers={"authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert client.post("/encoder/inference", json={}).status_code == 401  # pass-through too
    assert client.get("/livez").status_code == 200  # probes stay open
    rows = log_rows(client, route="/inference-w")
    assert [(r["status"], r["api_key_id"]) for r in rows] == \
        [(401, None), (401, None), (200, "alice")]


def test_admin_route(make_client) -> None:
    client = make_client(api_keys="alice:s3cret", admin_key="root-key")
    assert client.get("/v1/requests").status_code == 401
    forbidden = client.get("/v1/requests", headers={"authorization": "Bearer s3cret"})
    assert forbidden.status_code == 403 and forbidden.json()["error_type"] == "forbidden"
    assert client.get("/v1/requests",
                      headers={"authorization": "Bearer root-key"}).status_code == 200


def test_rate_limit_is_429_with_retry_after(make_client) -> None:
    client = make_client(api_keys="alice:a,bob:b", rate_limit_per_minute=6, rate_limit_burst=2)
    alice = {"authorization": "Bearer a"}
    statuses = [client.post("/inference-w", json=EMBED, headers=alice).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.post("/inference-w", json=EMBED, headers=alice)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 10
    assert "rate limit" in limited.json()["error"]
    bob = client.post("/inference-w", json=EMBED, headers={"authorization": "Bearer b"})
    assert bob.status_code == 200


def test_body_over_the_limit_is_413_and_logged(make_client) -> None:
    client = make_client(max_body_bytes=10_000)
    response = client.post("/inference-c", json={"wav": [0.25] * 5000, "sr": 16000, "text": "x"})
    assert response.status_code == 413
    assert response.json()["error_type"] == "payload_too_large"
    rows = log_rows(client, request_id=response.headers["x-request-id"])
    assert rows[0]["status"] == 413 and rows[0]["error_type"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"wav": [0.1] * 4000, "sr": 1000, "text": "hi"}, "limit is 3 s"),
        ({"wav": [0.1] * 100, "sr": 16000, "text": "x" * 21}, "limit is 20"),
    ],
)
def test_audio_and_text_limits_are_422(make_client, body: dict, words: str) -> None:
    client: TestClient = make_client(max_audio_seconds=3, max_text_chars=20)
    response = client.post("/inference-c", json=body)
    assert response.status_code == 422
    assert words in response.json()["error"]


def test_rate_limiter_forgets_refilled_buckets() -> None:
    import time

    limiter = RateLimiter(per_minute=6000, burst=1)  # refills within 10 ms
    for i in range(10_001):
        limiter.acquire(f"addr:{i}")
    time.sleep(0.02)
    limiter.acquire("one more")
    assert len(limiter._buckets) == 1
