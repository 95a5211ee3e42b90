"""Pass-through: every endpoint of every upstream under its service's prefix.

`/encoder/inference` -> encoder `/inference`, and so on for `/synthesizer/...`,
`/synthesizer-model/...` and `/vocoder/...`. Method, query, body, status and headers go
through unchanged, streamed both ways (the body is never parsed or buffered whole).
Hop-by-hop headers are dropped as HTTP requires; the caller's gateway key is not
forwarded; `X-Request-ID` is the gateway's; `Date` and `Server` are the gateway's own.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.clients import REQUEST_ID_HEADER
from voiceclone_gateway.config import STAGES
from voiceclone_gateway.request_log.record import RequestRecord, record_of
from voiceclone_gateway.state import GatewayState

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_HOP_BY_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
    b"trailer", b"transfer-encoding", b"upgrade", b"host",
}
_NOT_FORWARDED = _HOP_BY_HOP | {b"authorization", REQUEST_ID_HEADER.lower().encode()}
_NOT_RELAYED = _HOP_BY_HOP | {b"date", b"server", REQUEST_ID_HEADER.lower().encode()}

router = APIRouter(tags=["pass-through"])


def _has_body(request: Request) -> bool:
    headers = request.headers
    return "content-length" in headers or "chunked" in headers.get("transfer-encoding", "")


async def forward(
    stage: str, path: str, request: Request, state: GatewayState
) -> StreamingResponse:
    """Send `request` to `stage`'s `/path` and stream its answer back."""
    record = record_of(request)
    client = state.upstreams.raw[stage]
    headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _NOT_FORWARDED]
    headers.append((REQUEST_ID_HEADER.encode(), record.request_id.encode()))
    # httpx.Request, not client.build_request: the client's default headers (its
    # Accept-Encoding, User-Agent) must not be added to the caller's.
    upstream_request = httpx.Request(
        request.method,
        httpx.URL(client.url(path), query=request.url.query.encode()),
        headers=headers,
        content=request.stream() if _has_body(request) else None,
    )
    start = time.perf_counter()
    try:
        response = await client.send(upstream_request, stream=True)
    except Exception as exc:
        _observe(state, record, stage, start, getattr(exc, "error_type", "upstream_error"))
        raise
    relayed = StreamingResponse(_relay(response, state, record, stage, start),
                                status_code=response.status_code)
    relayed.raw_headers = [(k.lower(), v) for k, v in response.headers.raw
                           if k.lower() not in _NOT_RELAYED]
    return relayed


async def _relay(
    response: httpx.Response, state: GatewayState, record: RequestRecord, stage: str,
    start: float,
) -> AsyncIterator[bytes]:
    error_type = f"http_{response.status_code}" if response.status_code >= 500 else None
    try:
        if response.is_stream_consumed:  # an in-memory response (a test transport)
            yield response.content
        else:
            async for chunk in response.aiter_raw():
                yield chunk
    except httpx.TransportError:
        # Headers are sent already: the only honest signal left is a cut connection.
        error_type = "upstream_error"
        record.error_type = "upstream_broke_off"
        raise
    finally:
        await response.aclose()
        _observe(state, record, stage, start, error_type)


def _observe(state: GatewayState, record: RequestRecord, stage: str, start: float,
             error_type: str | None) -> None:
    elapsed = time.perf_counter() - start
    record.stage_s[stage] = elapsed
    state.metrics.observe_stage(stage, elapsed, error_type)


def _route_for(stage: str):  # type: ignore[no-untyped-def]
    async def passthrough(
        path: str, request: Request, state: StateDep, _caller: CallerDep
    ) -> StreamingResponse:
        return await forward(stage, path, request, state)

    passthrough.__doc__ = f"Any request to the {stage} service, relayed as it is."
    return passthrough


for _stage in STAGES:
    router.add_api_route(
        f"/{_stage}/{{path:path}}", _route_for(_stage), methods=METHODS,
        name=f"pass-through to {_stage}", summary=f"Pass-through to {_stage}",
        response_class=StreamingResponse,
    )
