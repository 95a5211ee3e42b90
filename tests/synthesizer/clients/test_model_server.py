"""The model-server client maps every transport failure and bad answer at its boundary."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
import orjson
import pytest
from voiceclone_common.errors import (
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from voiceclone_synthesizer.clients.model_server import ModelServerClient

EMBEDS = np.full((1, 256), 1 / 16, dtype=np.float32)


def _client(handler) -> ModelServerClient:  # type: ignore[no-untyped-def]
    return ModelServerClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://model")
    )


def _generate(handler) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return asyncio.run(_client(handler).generate_ids([[30, 31, 1]], EMBEDS))


def test_sends_padded_ids_and_trims_the_answer() -> None:
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(orjson.loads(request.content), method=request.method, path=request.url.path)
        mel = np.full((80, 6), -4.0)
        mel[:, :4] = 0.0
        return httpx.Response(200, content=orjson.dumps([mel.tolist()]))

    mels = _generate(handler)
    assert seen["method"] == "POST" and seen["path"] == "/generate"
    assert seen["chars"] == [[30, 31, 1]]
    assert len(seen["batched_embeds"][0]) == 256  # type: ignore[index]
    assert mels[0].shape == (80, 4)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("refused"), UpstreamUnavailable),
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
        (httpx.RemoteProtocolError("bad"), UpstreamUnavailable),
    ],
)
def test_transport_failures(error: Exception, expected: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(expected) as info:
        _generate(handler)
    assert info.value.stage == "synthesizer-model"  # type: ignore[attr-defined]


def test_rejections_keep_status_and_type() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"error": "bad ids", "error_type": "invalid_input"})

    with pytest.raises(UpstreamRejected) as info:
        _generate(handler)
    assert info.value.status_code == 422 and info.value.error_type == "invalid_input"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json=[[1.0, 2.0]]),
        httpx.Response(200, json=[]),
    ],
)
def test_bad_answers_are_upstream_errors(response: httpx.Response) -> None:
    with pytest.raises(UpstreamError):
        _generate(lambda request: response)


def test_ready_reports_the_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"status": "unavailable", "checks": {"model": "no"}})

    assert "not ready (503)" in asyncio.run(_client(handler).ready())
