"""The upstream client over its HTTP/1.1 transport (clients/http11), against real
sockets: large bodies, keep-alive reuse and expiry, and the resend (clients/base.py) of
a request a stale pooled connection lost. test_http11.py covers the transport itself."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from voiceclone_common.errors import UpstreamError
from voiceclone_gateway.clients import UpstreamClient, UpstreamConfig
from voiceclone_gateway.clients.http11 import Http11Transport
from voiceclone_gateway.clients.http_client import without_cookie_jar

pytestmark = pytest.mark.anyio


@pytest.fixture(params=[pytest.param(("asyncio", {}), id="asyncio"),
                        pytest.param(("asyncio", {"use_uvloop": True}), id="uvloop")])
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param


async def _server(respond: bool = True, close_after: bool = False):  # type: ignore[no-untyped-def]
    """A tiny HTTP/1.1 server echoing the request body; returns (server, port, accepted)."""
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                body = await reader.readexactly(length)
                if not respond:
                    await asyncio.sleep(10)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
                if close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], accepted


async def test_large_bodies_both_ways_and_keep_alive() -> None:
    server, port, accepted = await _server()
    payload = os.urandom(3_000_000)
    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as client:
        for _ in range(3):
            response = await client.post(f"http://127.0.0.1:{port}/", content=payload)
            assert response.content == payload
    assert len(accepted) == 1  # one connection, reused


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    server, port, accepted = await _server(close_after=True)
    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as client:
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{port}/", content=b"hi")).content \
                == b"hi"
            await asyncio.sleep(0.05)
    assert len(accepted) == 3


async def test_refused_is_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    async with httpx.AsyncClient(transport=Http11Transport(4)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_silence_is_read_timeout() -> None:
    server, port, _ = await _server(respond=False)
    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"http://127.0.0.1:{port}/", content=b"x",
                              timeout=httpx.Timeout(5, read=0.2))


async def _closing_server(close_after_s: float):  # type: ignore[no-untyped-def]
    """Answers the first request of each connection; on the next one, reads it and
    closes the connection `close_after_s` later without a byte of answer (0: the
    upstream's idle close crossing the gateway's request). Returns (server, port,
    connections, requests)."""
    connections: list[int] = []
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            for served in range(2):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                requests.append(await reader.readexactly(length))
                if served == 1:
                    await asyncio.sleep(close_after_s)
                    break
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], connections, requests


def _client(http: httpx.AsyncClient, port: int) -> UpstreamClient:
    return UpstreamClient(http, UpstreamConfig(
        stage="vocoder", base_url=f"http://127.0.0.1:{port}", connect_timeout_s=2,
        read_timeout_s=5, retry_backoff_s=0.001))


async def test_idle_connections_expire_after_keepalive_s() -> None:
    server, port, accepted = await _server()
    async with server, httpx.AsyncClient(
        transport=Http11Transport(4, keepalive_s=0.2)
    ) as client:
        await client.post(f"http://127.0.0.1:{port}/", content=b"a")
        await client.post(f"http://127.0.0.1:{port}/", content=b"b")  # reused
        await asyncio.sleep(0.3)
        await client.post(f"http://127.0.0.1:{port}/", content=b"c")  # expired: a new one
    assert len(accepted) == 2


async def test_a_stale_pooled_connection_is_sent_again_on_a_new_one() -> None:
    server, port, connections, requests = await _closing_server(close_after_s=0)
    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as http:
        upstream = _client(http, port)
        assert await upstream.post_json("/inference", b'{"n": 1}', request_id="r1") == b"ok"
        assert await upstream.post_json("/inference", b'{"n": 2}', request_id="r2") == b"ok"
    assert len(connections) == 2  # the second request went out again, on a new connection
    assert requests == [b'{"n": 1}', b'{"n": 2}', b'{"n": 2}']


async def test_a_close_long_after_the_request_is_not_sent_again() -> None:
    # The upstream may have worked on it (and crashed): never resent.
    server, port, connections, requests = await _closing_server(close_after_s=0.8)
    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as http:
        upstream = _client(http, port)
        await upstream.post_json("/inference", b"1", request_id="r1")
        with pytest.raises(UpstreamError, match="vocoder") as caught:
            await upstream.post_json("/inference", b"2", request_id="r2")
    assert caught.value.status_code == 502
    assert len(connections) == 1 and requests == [b"1", b"2"]


async def test_a_streamed_body_is_not_sent_again() -> None:
    server, port, connections, requests = await _closing_server(close_after_s=0)

    async def body() -> AsyncIterator[bytes]:
        yield b"streamed"

    async with server, httpx.AsyncClient(transport=Http11Transport(4)) as http:
        upstream = _client(http, port)
        await upstream.post_json("/inference", b"1", request_id="r1")
        request = http.build_request("POST", upstream.url("/inference"), content=body(),
                                     headers={"content-length": "8"})
        with pytest.raises(UpstreamError):
            await upstream.send(request)
    assert len(connections) == 1 and requests == [b"1", b"streamed"]


async def test_upstream_cookies_are_neither_kept_nor_sent() -> None:
    seen: list[str | None] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"})

    async with without_cookie_jar(httpx.AsyncClient(
            transport=httpx.MockTransport(upstream))) as http:
        first = await http.get("http://upstream/a")
        await http.get("http://upstream/b")
    assert first.headers["set-cookie"] == "session=abc; Path=/"  # relayed as it came
    assert seen == [None, None]
    assert len(http.cookies) == 0
