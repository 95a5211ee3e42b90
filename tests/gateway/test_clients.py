"""Upstream calls: every error mapping, retries only before sending, request ids."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import FakeUpstreams

EMBED_BODY = {"embed": [0.0625] * 256, "text": "Hello there.", "sr": 16000}


def _raise(exc: Exception):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc
    return handler


def test_upstream_4xx_comes_back_with_its_status_message_and_stage(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    upstreams.fail["synthesizer"] = lambda r: httpx.Response(
        422, json={"error": "text has no speakable characters", "error_type": "invalid_input"})
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 422
    assert response.json() == {"error": "text has no speakable characters",
                               "error_type": "invalid_input", "stage": "synthesizer"}


def test_upstream_4xx_without_the_shared_body_keeps_its_text(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    upstreams.fail["vocoder"] = lambda r: httpx.Response(400, text="spec too short")
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 400
    assert response.json() == {"error": "spec too short", "error_type": "upstream_rejected",
                               "stage": "vocoder"}


def test_upstream_429_keeps_retry_after(client: TestClient, upstreams: FakeUpstreams) -> None:
    upstreams.fail["synthesizer"] = lambda r: httpx.Response(
        429, json={"error": "queue full", "error_type": "overloaded"}, headers={"retry-after": "3"})
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"


def test_upstream_5xx_is_502(client: TestClient, upstreams: FakeUpstreams) -> None:
    upstreams.fail["vocoder"] = lambda r: httpx.Response(
        500, json={"error": "internal error; see the service log", "error_type": "internal_error"})
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 502
    body = response.json()
    assert body["error_type"] == "upstream_error" and body["stage"] == "vocoder"
    assert "HTTP 500" in body["error"]


def test_timeout_is_504_and_not_retried(client: TestClient, upstreams: FakeUpstreams) -> None:
    upstreams.fail["synthesizer"] = _raise(httpx.ReadTimeout("timed out"))
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 504
    assert response.json()["error_type"] == "upstream_timeout"
    assert response.json()["stage"] == "synthesizer"
    assert upstreams.paths("synthesizer") == ["/inference"]  # sent once, never again


def test_read_error_after_sending_is_502_and_not_retried(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    upstreams.fail["vocoder"] = _raise(httpx.RemoteProtocolError("server disconnected"))
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 502
    assert response.json()["stage"] == "vocoder"
    assert upstreams.paths("vocoder") == ["/inference"]


def test_unreachable_is_503_after_retries(make_client, upstreams: FakeUpstreams) -> None:
    client = make_client(connect_retries=2)
    upstreams.fail["encoder"] = _raise(httpx.ConnectError("connection refused"))
    response = client.post("/v1/clone", json={"wav": [0.1] * 16000, "sr": 16000, "text": "hi"})
    assert response.status_code == 503
    body = response.json()
    assert body["error_type"] == "upstream_unavailable" and body["stage"] == "encoder"
    assert upstreams.paths("encoder") == ["/inference"] * 3  # the first try + 2 retries


def test_connect_error_then_success_is_retried_transparently(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    attempts = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("connection refused")
        del upstreams.fail["synthesizer"]
        return upstreams(request)

    upstreams.fail["synthesizer"] = flaky
    response = client.post("/inference-w", json=EMBED_BODY)
    assert response.status_code == 200
    assert len(attempts) == 2


def test_invalid_upstream_answer_is_502(client: TestClient, upstreams: FakeUpstreams) -> None:
    upstreams.fail["encoder"] = lambda r: httpx.Response(200, json={"embed": [1.0, 2.0]})
    response = client.post("/inference-c", json={"wav": [0.1] * 1600, "sr": 16000, "text": "hi"})
    assert response.status_code == 502
    assert "invalid response" in response.json()["error"]
    assert response.json()["stage"] == "encoder"


@pytest.mark.parametrize("given", [None, "client-chosen-id-42"])
def test_request_id_reaches_every_upstream_and_comes_back(
    client: TestClient, upstreams: FakeUpstreams, given: str | None
) -> None:
    headers = {"x-request-id": given} if given else {}
    response = client.post("/inference-c", headers=headers,
                           json={"wav": [0.1] * 1600, "sr": 16000, "text": "hi"})
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    if given:
        assert request_id == given
    assert len(request_id) >= 16
    sent = {upstreams.stage_of(r): r.headers["x-request-id"] for r in upstreams.seen}
    assert sent == {"encoder": request_id, "synthesizer": request_id, "vocoder": request_id}


def test_an_unusable_request_id_is_replaced(client: TestClient) -> None:
    response = client.post("/inference-w", json=EMBED_BODY,
                           headers={"x-request-id": "has spaces and\ttabs"})
    assert response.headers["x-request-id"] != "has spaces and\ttabs"


def test_upstream_errors_are_counted_in_metrics(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    upstreams.fail["vocoder"] = _raise(httpx.ReadTimeout("timed out"))
    client.post("/inference-w", json=EMBED_BODY)
    text = client.get("/metrics").text
    assert 'gateway_upstream_errors_total{error_type="upstream_timeout",stage="vocoder"} 1.0' \
        in text
    assert 'gateway_stage_duration_seconds_count{stage="synthesizer"} 1.0' in text
