"""`Http11Transport`: httpx's transport interface over the gateway's own HTTP/1.1.

One exchange on a pooled connection: the request head (and a body in memory) in one
write; a streamed body after it, chunked or of its declared length; then the response
head, read with one search for the blank line and parsed here; the body is left to
`body.ResponseBody`, which returns the connection when read to its end.

Per-request timeouts come from `request.extensions["timeout"]` as httpx sets them
(connect, read, write, pool) and fail as httpx's `ConnectTimeout`, `ReadTimeout`,
`WriteTimeout`, `PoolTimeout`; a connection that cannot be made is `ConnectError`, a
connection that fails after is `ReadError`/`WriteError`, a malformed answer
`RemoteProtocolError`.
"""

from __future__ import annotations

import dataclasses
import ssl
import time

import httpx

from voiceclone_gateway.clients.http11.body import ResponseBody, send_streamed_body
from voiceclone_gateway.clients.http11.connection import Connection
from voiceclone_gateway.clients.http11.pool import ConnectionPool
from voiceclone_gateway.clients.http11.wire import (
    MAX_HEAD_BYTES,
    Framing,
    ResponseHead,
    encode_request_head,
    parse_response_head,
)

DEFAULT_KEEPALIVE_S = 4.0
# Request extension: the caller will read the whole answer at once (a Content-Length
# body is then read into one buffer instead of relayed in pieces as it arrives).
WHOLE_BODY = "whole_body"
# A close this soon after the request's last byte, with no byte of answer, on a
# connection that answered before, is the upstream's idle close crossing the request
# (its FIN was on the way before the request arrived): a request that ran and crashed
# its server answers later. Within this window an upstream could at most have started
# on it, and every upstream here is a stateless computation, so sending it again is safe.
STALE_CLOSE_WINDOW_S = 0.5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_EMPTY = httpx.ByteStream(b"")


class StaleConnection(httpx.ReadError):
    """A reused keep-alive connection was closed by the upstream before it answered,
    right after the request went out: the request was not run; send it again."""


class Http11Transport(httpx.AsyncBaseTransport):
    """`ssl_context`: for https upstreams (e.g. Heroku apps); default httpx's own
    (certifi's CAs), made at the first https connection."""

    def __init__(self, max_connections: int = 100, *,
                 keepalive_s: float = DEFAULT_KEEPALIVE_S,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.pool = ConnectionPool(max_connections, keepalive_s, ssl_context)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme)
        if port is None:
            raise httpx.UnsupportedProtocol(f"the upstream URL {url} is not http(s)")
        conn = await self.pool.acquire((url.scheme, url.host, port),
                                       connect_timeout=timeouts.get("connect"),
                                       pool_timeout=timeouts.get("pool"))
        try:
            head, request_close = await _exchange(conn, request, timeouts)
        except BaseException:  # failed or cancelled half-way: the connection is dirty
            self.pool.release(conn, reusable=False)
            raise
        reusable = head.keep_alive and not request_close
        extensions = {"http_version": head.http_version, "reason_phrase": head.reason_phrase}
        if head.framing is Framing.NONE:
            self.pool.release(conn, reusable=reusable and conn.at_rest())
            stream: httpx.AsyncByteStream = _EMPTY
        else:
            stream = ResponseBody(conn, head, reusable=reusable, release=self._release,
                                  read_timeout=timeouts.get("read"),
                                  whole=bool(request.extensions.get(WHOLE_BODY)))
        return httpx.Response(head.status_code, headers=head.headers, stream=stream,
                              extensions=extensions)

    def _release(self, conn: Connection, reusable: bool) -> None:
        self.pool.release(conn, reusable=reusable)

    async def aclose(self) -> None:
        await self.pool.aclose()


async def _exchange(conn: Connection, request: httpx.Request,
                    timeouts: dict[str, float | None]) -> tuple[ResponseHead, bool]:
    """Send `request` on `conn` and read its answer's head; (head, request asked to close)."""
    reused, received_before = conn.answers > 0, conn.received
    request_head = encode_request_head(request)
    write_error: httpx.WriteError | None = None
    try:
        if isinstance(request.stream, httpx.ByteStream):
            await conn.write(request_head.head, request.content, timeout=timeouts.get("write"))
        else:
            await conn.write(request_head.head, timeout=timeouts.get("write"))
            await send_streamed_body(conn, request, request_head,
                                     timeout=timeouts.get("write"))
    except httpx.WriteError as exc:
        # The upstream may have answered before it stopped reading (a 413, say), or
        # closed the connection while it was idle: the read below tells which.
        write_error = exc
    sent_at = time.monotonic()
    try:
        head = await _read_head(conn, request.method, timeouts.get("read"))
    except httpx.ReadError as exc:
        if (reused and conn.received == received_before
                and time.monotonic() - sent_at < STALE_CLOSE_WINDOW_S):
            raise StaleConnection(
                f"the upstream closed an idle connection as the request went out ({exc})"
            ) from exc
        if write_error is not None:
            raise write_error from exc
        raise
    conn.answers += 1
    return head, request_head.close


async def _read_head(conn: Connection, method: str, timeout: float | None) -> ResponseHead:
    while True:
        raw = await conn.read_until(b"\r\n\r\n", limit=MAX_HEAD_BYTES, timeout=timeout)
        head = parse_response_head(raw, method)
        # Interim answers (100 Continue, 103 Early Hints) precede the real one; a 101
        # would switch protocols, which the gateway never asks for: it ends the exchange.
        if head.status_code == 101:
            return dataclasses.replace(head, keep_alive=False)
        if head.status_code >= 200:
            return head
