"""One upstream connection: an asyncio protocol with the reads and writes HTTP needs.

A protocol rather than `asyncio.StreamReader`: a StreamReader copies every chunk the
socket delivers into one growing bytearray, wakes its reader on each (a 2 MB answer
arrives in ~10-30 of them) and copies the bytes out again. Here received chunks are
kept as they came, and the reader is woken once what it asked for is there: a
Content-Length body is joined once, or handed over as it is when it came in one piece.

Failures come out as httpx's exceptions: `ReadError` (closed or reset while a read
waits), `ReadTimeout` (no byte for the read timeout), `WriteError`, `WriteTimeout`.
`received` counts every byte ever received, so the transport can tell whether an
upstream that closed had answered anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
from collections import deque
from typing import cast

import httpx

# Unread bytes beyond what the reader waits for before the socket is paused (a slow
# pass-through caller must not make the gateway buffer an upstream's whole answer).
_HIGH_WATER_BYTES = 4 << 20
# Above this a request body is handed to the transport beside its head (one writev
# under uvloop) instead of being copied into one buffer with it.
_JOIN_BELOW_BYTES = 64 * 1024


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self.received = 0
        self._want = 0  # bytes the waiting reader needs before it is woken
        self._waiter: asyncio.Future[bool] | None = None
        self._eof = False
        self._error: Exception | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[bool] | None = None
        self._sock: socket.socket | None = None  # polled for a close while idle (not TLS)
        # Pool bookkeeping: where it goes, answers it gave, since when it is idle.
        self.key: tuple[str, str, int] = ("", "", 0)
        self.answers = 0
        self.idle_since = 0.0

    # -- asyncio callbacks ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, only alike.
        self._transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Small heads and last segments must not wait for an ACK (Nagle).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # TLS reads ahead on its own: polling its socket says nothing about the stream.
        if transport.get_extra_info("sslcontext") is None:
            self._sock = sock

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        self.received += len(data)
        if self._buffered >= self._want:
            self._wake()
        if not self._reading_paused and self._buffered - self._want > _HIGH_WATER_BYTES:
            self._pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # close our side too: HTTP/1.1 has no use for a half-open connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._error = self._error or exc
        self._wake()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(True)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(True)

    # -- reads ------------------------------------------------------------------------

    async def read_until(self, separator: bytes, *, limit: int,
                         timeout: float | None) -> bytes:
        """The bytes before `separator`, which is consumed too."""
        searched = 0
        chunks = self._chunks
        while True:
            if chunks:
                data = chunks[0]
                at = data.find(separator, max(0, searched - len(separator) + 1))
                if at >= 0:
                    self._take(at + len(separator))
                    return data[:at]
                searched = len(data)
                if searched > limit:
                    raise httpx.RemoteProtocolError(
                        f"no {separator!r} in the first {limit} bytes of the answer")
                if len(chunks) > 1:  # rare: a head split across socket reads
                    chunks.appendleft(chunks.popleft() + chunks.popleft())
                    continue
            await self._wait(self._buffered + 1, timeout)

    async def read_exactly(self, n: int, *, timeout: float | None) -> bytes:
        if self._buffered < n:
            await self._wait(n, timeout)
        return self._take(n) if n else b""

    async def read_some(self, max_n: int, *, timeout: float | None) -> bytes:
        """Whatever is there, at least one byte and at most `max_n`; b"" at the end."""
        if not self._buffered:
            await self._wait(1, timeout, eof_ok=True)
            if not self._buffered:
                return b""
        return self._take(min(max_n, self._buffered))

    async def _wait(self, want: int, timeout: float | None, *, eof_ok: bool = False) -> None:
        """Until `want` bytes are buffered. ReadTimeout only when no byte at all came in
        `timeout` (a slow body is not a timeout, as in httpx)."""
        while self._buffered < want:
            if self._eof:
                if eof_ok and self._error is None:
                    return
                raise httpx.ReadError(self._closed_reason())
            progress = self.received
            waiter = self._waiter = self._loop.create_future()
            self._want = want
            if self._reading_paused:
                self._resume_reading()
            timer = None if timeout is None else self._loop.call_later(
                timeout, _expire, waiter)
            try:
                answered = await waiter
            finally:
                self._waiter, self._want = None, 0
                if timer is not None:
                    timer.cancel()
            if not answered and self.received == progress:
                raise httpx.ReadTimeout(f"no answer from the upstream in {timeout} s")

    def _take(self, n: int) -> bytes:
        chunks = self._chunks
        first = chunks[0]
        if len(first) == n:
            chunks.popleft()
            data = first
        elif len(first) > n:
            chunks[0] = first[n:]
            data = first[:n]
        else:
            parts, need = [], n
            while need:
                chunk = chunks.popleft()
                if len(chunk) > need:
                    chunks.appendleft(chunk[need:])
                    chunk = chunk[:need]
                parts.append(chunk)
                need -= len(chunk)
            data = b"".join(parts)
        self._buffered -= n
        if self._reading_paused and self._buffered <= _HIGH_WATER_BYTES:
            self._resume_reading()
        return data

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(True)

    def _pause_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._reading_paused = True
            self._transport.pause_reading()

    def _resume_reading(self) -> None:
        self._reading_paused = False
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def _closed_reason(self) -> str:
        if self._error is not None:
            return f"the connection to the upstream failed ({self._error})"
        return "the upstream closed the connection"

    # -- writes -----------------------------------------------------------------------

    async def write(self, head: bytes, body: bytes = b"", *, timeout: float | None) -> None:
        """Send `head` and `body` as one write, then wait while the transport's buffer is
        over its high-water mark (flow control)."""
        transport = self._transport
        if transport is None or self._eof or transport.is_closing():
            raise httpx.WriteError(self._closed_reason())
        if not body:
            transport.write(head)
        elif len(body) < _JOIN_BELOW_BYTES:
            transport.write(head + body)
        else:
            transport.writelines((head, body))
        if self._writing_paused:
            await self._drain(timeout)

    async def _drain(self, timeout: float | None) -> None:
        waiter = self._drain_waiter = self._loop.create_future()
        timer = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            drained = await waiter
        finally:
            self._drain_waiter = None
            if timer is not None:
                timer.cancel()
        if self._error is not None or (self._eof and self._writing_paused):
            raise httpx.WriteError(self._closed_reason())
        if not drained:
            raise httpx.WriteTimeout(f"the upstream took no data for {timeout} s")

    # -- state ------------------------------------------------------------------------

    def at_rest(self) -> bool:
        """Open, nothing unread, and nothing (a close, junk) waiting in the socket: safe to
        send the next request on."""
        if self._eof or self._buffered or self._transport is None:
            return False
        if self._transport.is_closing():
            return False
        if self._sock is None:
            return True  # TLS: the flags above are what we know
        # The upstream's FIN may be in the kernel before the loop saw it: a poll of the
        # socket catches it (an idle socket that is readable has been closed or sent junk).
        with contextlib.suppress(OSError, ValueError):
            readable, _, _ = select.select((self._sock,), (), (), 0)
            return not readable
        return False

    def close(self) -> None:
        """Graceful: what is written still goes out."""
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        """Now, dropping anything unsent: for a connection in an unknown state."""
        if self._transport is not None:
            self._transport.abort()
