"""Keep-alive connections per (scheme, host, port), at most `max_connections` open.

A request takes the most recently used idle connection to its upstream (the one the
upstream is least likely to be closing), opens a new one while under the bound, closes
an idle connection to another upstream when at the bound, and otherwise waits for a
release (`pool` timeout -> `httpx.PoolTimeout`). Idle connections older than
`keepalive_s` are closed before they are picked: uvicorn closes a connection idle for
5 s, and a request sent on one it is closing is lost (see `transport.StaleConnection`).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque

import httpx

from voiceclone_gateway.clients.http11.connection import Connection

Key = tuple[str, str, int]  # scheme, host, port


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class ConnectionPool:
    def __init__(self, max_connections: int, keepalive_s: float,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.keepalive_s = keepalive_s
        self._idle: dict[Key, deque[Connection]] = {}
        self._open = 0  # idle and in use
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._ssl_context = ssl_context
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._open

    async def acquire(self, key: Key, *, connect_timeout: float | None,
                      pool_timeout: float | None) -> Connection:
        loop = asyncio.get_running_loop()
        deadline = None if pool_timeout is None else loop.time() + pool_timeout
        while True:
            if self._closed:
                raise RuntimeError("the upstream transport is closed")
            self._close_expired()
            conn = self._take_idle(key)
            if conn is not None:
                return conn
            if self._open < self.max_connections or self._close_one_idle():
                return await self._connect(key, connect_timeout)
            await self._wait_for_release(loop, deadline)

    def release(self, conn: Connection, *, reusable: bool) -> None:
        """Back to the pool when `reusable` (its answer was read to the end), else closed."""
        if reusable and not self._closed:
            conn.idle_since = time.monotonic()
            self._idle.setdefault(conn.key, deque()).append(conn)
        else:
            conn.abort()
            self._open -= 1
        self._wake_one()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
                self._open -= 1
        while self._waiters:
            _expire(self._waiters.popleft())

    async def _connect(self, key: Key, timeout: float | None) -> Connection:
        scheme, host, port = key
        context = self._ssl() if scheme == "https" else None
        self._open += 1
        try:
            async with asyncio.timeout(timeout):
                _, conn = await asyncio.get_running_loop().create_connection(
                    Connection, host, port, ssl=context,
                    server_hostname=host if context else None)
        except BaseException as exc:
            self._open -= 1
            self._wake_one()
            if isinstance(exc, TimeoutError):  # before OSError: it is one
                raise httpx.ConnectTimeout(f"no connection to {host}:{port} in {timeout} s") \
                    from exc
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS handshake
                raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
            raise
        conn.key = key
        return conn

    def _ssl(self) -> ssl.SSLContext:
        if self._ssl_context is None:  # httpx's defaults (certifi's CAs), made once
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    def _take_idle(self, key: Key) -> Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if conn.at_rest():
                return conn
            conn.abort()  # closed by the upstream while idle
            self._open -= 1
        return None

    def _close_expired(self) -> None:
        oldest_kept = time.monotonic() - self.keepalive_s
        for idle in self._idle.values():
            while idle and idle[0].idle_since < oldest_kept:  # oldest first
                idle.popleft().close()
                self._open -= 1

    def _close_one_idle(self) -> bool:
        """Make room at the bound: close the longest-idle connection to any upstream."""
        candidates = [idle for idle in self._idle.values() if idle]
        if not candidates:
            return False
        min(candidates, key=lambda idle: idle[0].idle_since).popleft().close()
        self._open -= 1
        return True

    async def _wait_for_release(self, loop: asyncio.AbstractEventLoop,
                                deadline: float | None) -> None:
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if deadline is None else loop.call_at(deadline, _expire, waiter)
        try:
            released = await waiter
        except asyncio.CancelledError:
            # A wake-up this waiter can no longer use goes to the next one.
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self._wake_one()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in self._waiters:  # timed out or cancelled: not woken
                self._waiters.remove(waiter)
        if not released:
            if self._closed:
                raise RuntimeError("the upstream transport is closed")
            raise httpx.PoolTimeout(
                f"all {self.max_connections} upstream connections stayed busy")

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
