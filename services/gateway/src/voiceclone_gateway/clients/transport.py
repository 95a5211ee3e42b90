"""The shared client's transport: httpcore over plain asyncio streams.

httpx's default network backend goes through anyio, whose cancel scope, timeout and
task lookups on every read cost ~0.1 ms per 64 KB chunk; the gateway moves megabytes of
JSON audio per request, and that overhead was most of its added latency. This backend
reads from an asyncio `StreamReader` in chunks of up to 1 MB instead. Errors are the
ones httpx expects from httpcore (mapped by httpx to its own), so the gateway's error
mapping is unchanged.

Keep-alive: an idle pooled connection is dropped after `keepalive_s` (4 s by default,
under uvicorn's 5 s), so the gateway does not pick a connection the upstream is about
to close. Should the two still cross (clocks start at slightly different moments), the
stream recognises the upstream closing a reused connection without a byte of answer
right after the request went out, and raises `StaleConnection`: the upstream closed it
for idleness and never read the request, so `UpstreamClient` sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

READ_CHUNK_BYTES = 1 << 20
_STREAM_LIMIT = 4 << 20  # the StreamReader's buffer before it pauses the socket
DEFAULT_KEEPALIVE_S = 4.0
# A close this soon after the request's last byte, with no answer, on a connection that
# answered before, is the upstream's idle close crossing the request (its FIN was on the
# way before the request arrived): a request that ran and crashed its server answers
# later. Within this window an upstream could at most have started on it, and every
# upstream here is a stateless computation, so sending it again is safe.
STALE_CLOSE_WINDOW_S = 0.5


class StaleConnection(httpcore.ReadError):
    """A reused keep-alive connection was closed by the upstream before it answered,
    right after the request went out: the request was not run; send it again."""


def _is_socket_readable(sock: socket.socket | None) -> bool:
    """A pooled, idle connection that is readable was closed by the server (or sent
    junk): httpcore then opens a new one instead of reusing it."""
    if sock is None or sock.fileno() == -1:
        return True
    import select

    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        # Per request (HTTP/1.1: a write after reads starts the next one): how many
        # answers this connection gave before, bytes of the current answer, and when
        # the request's last byte was written.
        self._answers = 0
        self._answer_bytes = 0
        self._reading = True
        self._sent_at = 0.0

    def _stale(self) -> bool:
        return (self._answers > 0 and self._answer_bytes == 0
                and time.monotonic() - self._sent_at < STALE_CLOSE_WINDOW_S)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._reading = True
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(max(max_bytes, READ_CHUNK_BYTES))
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            if self._stale():
                raise StaleConnection(f"closed by the upstream while idle ({exc})") from exc
            raise httpcore.ReadError(str(exc)) from exc
        if not data and self._stale():
            raise StaleConnection("closed by the upstream while idle, before answering")
        if data and self._answer_bytes == 0:
            self._answers += 1
        self._answer_bytes += len(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._reading:  # the first write of a new request
            self._reading, self._answer_bytes = False, 0
        self._sent_at = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc
        finally:
            self._sent_at = time.monotonic()

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self._writer.wait_closed()

    def get_extra_info(self, info: str) -> Any:
        sock = self._writer.get_extra_info("socket")
        if info == "is_readable":
            return _is_socket_readable(sock)
        if info == "socket":
            return sock
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        return None


class NoCookieJar(httpx.Cookies):
    """A cookie jar that keeps nothing, for the shared upstream client.

    httpx files every response's Set-Cookie into the client's jar (a urllib request
    built per response, ~0.1 ms) and would send those cookies on every later request,
    whoever's it is: the upstreams set none, and a shared jar must not carry one caller's
    cookies to another's request.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def without_cookie_jar(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """`http` with `NoCookieJar` (httpx has no switch for it; its `cookies` setter
    copies into a plain jar, so the attribute is replaced)."""
    http._cookies = NoCookieJar()
    return http


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, int, int | bytes]] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, limit=_STREAM_LIMIT,
                    local_addr=(local_address, 0) if local_address else None,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[tuple[int, int, int | bytes]] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the gateway")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def upstream_transport(
    max_connections: int, *, keepalive_s: float = DEFAULT_KEEPALIVE_S
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (its exception mapping included) over `AsyncioBackend`;
    idle connections live `keepalive_s`."""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=max_connections,
                            max_keepalive_connections=max_connections)
    )
    # httpx has no public switch for the network backend; its pool is replaced by an
    # identical one that uses ours (checked by tests/gateway/test_transport.py).
    transport._pool = httpcore.AsyncConnectionPool(
        max_connections=max_connections, max_keepalive_connections=max_connections,
        keepalive_expiry=keepalive_s, network_backend=AsyncioBackend(),
    )
    return transport
