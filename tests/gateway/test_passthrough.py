"""Pass-through: method, path, query, body, status and headers unchanged, both ways."""

from __future__ import annotations

import os

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import FakeUpstreams


@pytest.mark.parametrize("stage", ["encoder", "synthesizer", "synthesizer-model", "vocoder"])
def test_every_service_is_reachable_under_its_prefix(
    make_client, upstreams: FakeUpstreams, stage: str
) -> None:
    client = make_client(api_keys="me:secret")
    payload = os.urandom(50_000)  # binary, not JSON: nothing may parse or alter it
    upstreams.fail[stage] = lambda r: httpx.Response(
        207, content=r.content[::-1],
        headers={"content-type": "application/x-test", "x-upstream": stage,
                 "set-cookie": "a=1"},
    )
    response = client.post(f"/{stage}/some/deep/path?x=1&y=%20z", content=payload,
                           headers={"content-type": "application/octet-stream",
                                    "x-custom": "kept", "authorization": "Bearer secret"})
    assert response.status_code == 207
    assert response.content == payload[::-1]
    assert response.headers["content-type"] == "application/x-test"
    assert response.headers["x-upstream"] == stage
    assert response.headers["set-cookie"] == "a=1"
    assert response.headers["content-length"] == str(len(payload))
    sent = upstreams.seen[-1]
    assert sent.method == "POST"
    assert sent.url.path == "/some/deep/path"
    assert sent.url.query == b"x=1&y=%20z"
    assert sent.content == payload
    assert sent.headers["x-custom"] == "kept"
    assert sent.headers["content-type"] == "application/octet-stream"
    assert "authorization" not in sent.headers  # the gateway's key stays at the gateway
    assert sent.headers["x-request-id"] == response.headers["x-request-id"]


def test_legacy_get_with_a_body_passes_through(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    upstreams.fail["synthesizer-model"] = lambda r: httpx.Response(
        200, content=b"[[[0.5]]]", headers={"content-type": "application/json"})
    body = b'{"chars": [[1, 2]], "batched_embeds": [[0.1]]}'
    response = client.request("GET", "/synthesizer-model/generate", content=body,
                              headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.content == b"[[[0.5]]]"
    assert upstreams.seen[-1].method == "GET" and upstreams.seen[-1].content == body


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_methods_pass_through(client: TestClient, upstreams: FakeUpstreams, method: str) -> None:
    upstreams.fail["vocoder"] = lambda r: httpx.Response(200, text=r.method)
    response = client.request(method, "/vocoder/x")
    assert response.text == method


def test_upstream_errors_are_relayed_as_they_are(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    error = b'{"error":"audio is silent","error_type":"invalid_audio"}'
    upstreams.fail["encoder"] = lambda r: httpx.Response(
        422, content=error, headers={"content-type": "application/json"})
    response = client.post("/encoder/inference", json={"wav": [0.0], "sr": 16000})
    assert response.status_code == 422
    assert response.content == error  # not re-wrapped: the caller talks to the encoder


def test_unreachable_upstream_is_503_in_the_shared_shape(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    upstreams.fail["vocoder"] = refused
    response = client.post("/vocoder/inference", json={"spec": [[0.0]]})
    assert response.status_code == 503
    assert response.json()["error_type"] == "upstream_unavailable"
    assert response.json()["stage"] == "vocoder"


def test_a_streamed_answer_is_relayed_chunk_by_chunk(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    chunks = [b"first,", b"second,", b"third"]

    class Chunks(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            for chunk in chunks:
                yield chunk

    upstreams.fail["encoder"] = lambda r: httpx.Response(200, stream=Chunks())
    with client.stream("GET", "/encoder/events") as response:
        received = list(response.iter_raw())
    assert b"".join(received) == b"".join(chunks)


def test_pass_through_is_logged_with_its_stage_time(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    from tests.gateway.conftest import log_rows

    upstreams.fail["encoder"] = lambda r: httpx.Response(200, content=b"x" * 1000)
    response = client.post("/encoder/preprocess", content=b"y" * 300)
    rows = log_rows(client, request_id=response.headers["x-request-id"])
    assert len(rows) == 1
    row = rows[0]
    assert row["route"] == "/encoder/{path:path}" and row["path"] == "/encoder/preprocess"
    assert (row["bytes_in"], row["bytes_out"], row["status"]) == (300, 1000, 200)
    assert row["encoder_ms"] is not None and row["encoder_ms"] >= 0
