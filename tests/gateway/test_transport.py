"""The asyncio network backend of the upstream client, against real sockets."""

from __future__ import annotations

import asyncio
import os
import socket

import httpx
import pytest
from voiceclone_gateway.clients.transport import upstream_transport

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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
    async with server, httpx.AsyncClient(transport=upstream_transport(4)) as client:
        for _ in range(3):
            response = await client.post(f"http://127.0.0.1:{port}/", content=payload)
            assert response.content == payload
    assert len(accepted) == 1  # one connection, reused


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    server, port, accepted = await _server(close_after=True)
    async with server, httpx.AsyncClient(transport=upstream_transport(4)) as client:
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{port}/", content=b"hi")).content \
                == b"hi"
            await asyncio.sleep(0.05)
    assert len(accepted) == 3


async def test_refused_is_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    async with httpx.AsyncClient(transport=upstream_transport(4)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_silence_is_read_timeout() -> None:
    server, port, _ = await _server(respond=False)
    async with server, httpx.AsyncClient(transport=upstream_transport(4)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"http://127.0.0.1:{port}/", content=b"x",
                              timeout=httpx.Timeout(5, read=0.2))
