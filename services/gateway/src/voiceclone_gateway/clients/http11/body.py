"""Response bodies as httpx byte streams, by framing; and streamed request bodies.

A body read to its end gives its connection back to the pool (when the upstream lets
it be reused); a body abandoned half-way (the caller left, the task was cancelled, a
read failed) closes its connection, whose next bytes would be the rest of this answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

from voiceclone_gateway.clients.http11.connection import Connection
from voiceclone_gateway.clients.http11.wire import (
    MAX_HEAD_BYTES,
    Framing,
    RequestHead,
    ResponseHead,
    chunk_size,
)

# A streamed body (pass-through) is relayed in pieces of whatever has arrived, up to this.
STREAM_PIECE_BYTES = 1 << 20
_MAX_CHUNK_LINE_BYTES = 4096

Release = Callable[[Connection, bool], None]


class ResponseBody(httpx.AsyncByteStream):
    """The body of one answer, read from `conn` as the caller iterates.

    `whole`: the caller reads the whole body at once (`send(..., stream=False)` through
    the `whole_body` extension): a Content-Length body is then read into one buffer and
    yielded once; otherwise it comes in pieces as it arrives.
    """

    def __init__(self, conn: Connection, head: ResponseHead, *, reusable: bool,
                 release: Release, read_timeout: float | None, whole: bool) -> None:
        self._conn = conn
        self._head = head
        self._reusable = reusable
        self._release = release
        self._timeout = read_timeout
        self._whole = whole
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._released:
            raise httpx.StreamClosed()
        try:
            async for piece in self._pieces():
                yield piece
        except BaseException:  # cancelled, abandoned (GeneratorExit) or failed mid-body
            self._finish(reusable=False)
            raise
        self._finish(reusable=self._reusable and self._conn.at_rest())

    async def aclose(self) -> None:
        self._finish(reusable=False)  # a no-op once the body was read to its end

    def _finish(self, *, reusable: bool) -> None:
        if not self._released:
            self._released = True
            self._release(self._conn, reusable)

    async def _pieces(self) -> AsyncIterator[bytes]:
        conn, timeout = self._conn, self._timeout
        framing = self._head.framing
        if framing is Framing.LENGTH:
            remaining = self._head.content_length
            if self._whole:
                yield await conn.read_exactly(remaining, timeout=timeout)
                return
            while remaining:
                piece = await conn.read_some(min(remaining, STREAM_PIECE_BYTES),
                                             timeout=timeout)
                if not piece:
                    raise httpx.ReadError(f"the upstream closed the connection {remaining} "
                                          "bytes before the end of its answer")
                remaining -= len(piece)
                yield piece
        elif framing is Framing.CHUNKED:
            async for piece in _dechunk(conn, timeout):
                yield piece
        elif framing is Framing.UNTIL_CLOSE:
            while piece := await conn.read_some(STREAM_PIECE_BYTES, timeout=timeout):
                yield piece


async def _dechunk(conn: Connection, timeout: float | None) -> AsyncIterator[bytes]:
    """Transfer-Encoding: chunked (RFC 9112 7.1); trailers are read and dropped."""
    while True:
        line = await conn.read_until(b"\r\n", limit=_MAX_CHUNK_LINE_BYTES, timeout=timeout)
        size = chunk_size(line)
        if not size:
            break
        yield await conn.read_exactly(size, timeout=timeout)
        if await conn.read_exactly(2, timeout=timeout) != b"\r\n":
            raise httpx.RemoteProtocolError("a chunk is longer than its size line says")
    while await conn.read_until(b"\r\n", limit=MAX_HEAD_BYTES, timeout=timeout):
        pass  # a trailer field


async def send_streamed_body(conn: Connection, request: httpx.Request, framing: RequestHead,
                             *, timeout: float | None) -> None:
    """A request body that is not in memory (pass-through uploads), chunked or of the
    Content-Length the caller declared, each piece as it comes."""
    sent = 0
    chunked = framing.framing is Framing.CHUNKED
    async for piece in request.stream:  # type: ignore[union-attr]
        if not piece:
            continue
        if chunked:  # the CRLF that ends a chunk goes out with the next one's size line
            await conn.write(b"%s%x\r\n" % (b"\r\n" if sent else b"", len(piece)), piece,
                             timeout=timeout)
        elif sent + len(piece) > framing.content_length:
            raise httpx.LocalProtocolError("the request body is longer than its "
                                           f"Content-Length ({framing.content_length})")
        else:
            await conn.write(piece, timeout=timeout)
        sent += len(piece)
    if chunked:
        await conn.write(b"\r\n0\r\n\r\n" if sent else b"0\r\n\r\n", timeout=timeout)
    elif sent != framing.content_length:
        raise httpx.LocalProtocolError(f"the request body ended after {sent} of its "
                                       f"Content-Length's {framing.content_length} bytes")
