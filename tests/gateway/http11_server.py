"""A tiny scripted HTTP/1.1 server over asyncio streams, for the transport's tests.

Each test gives a handler `(request, writer) -> keep_open`; the server parses requests
itself (Content-Length and chunked bodies), records them and counts connections, so a
test can check what went over the wire and how many connections carried it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class ReceivedRequest:
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    connection: int  # which connection (0, 1, ...) carried it


Handler = Callable[[ReceivedRequest, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class Upstream:
    port: int
    requests: list[ReceivedRequest] = field(default_factory=list)
    connections: int = 0
    open_connections: int = 0
    most_open_connections: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def _read_request(reader: asyncio.StreamReader, connection: int) -> ReceivedRequest:
    head = (await reader.readuntil(b"\r\n\r\n"))[:-4].decode("latin-1")
    request_line, *lines = head.split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            assert await reader.readexactly(2) == b"\r\n"
        while await reader.readuntil(b"\r\n") != b"\r\n":
            pass
        body = b"".join(parts)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return ReceivedRequest(method, target, headers, body, connection)


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[Upstream]:
    upstream = Upstream(port=0)

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = upstream.connections
        upstream.connections += 1
        upstream.open_connections += 1
        upstream.most_open_connections = max(upstream.most_open_connections,
                                             upstream.open_connections)
        try:
            while True:
                request = await _read_request(reader, number)
                upstream.requests.append(request)
                keep_open = await handler(request, writer)
                await writer.drain()
                if not keep_open:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            upstream.open_connections -= 1
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    upstream.port = server.sockets[0].getsockname()[1]
    async with server:
        yield upstream


def response(body: bytes = b"", status: str = "200 OK", headers: str = "") -> bytes:
    """A Content-Length response; `headers`: extra header lines, each ending in CRLF."""
    return (f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n{headers}\r\n".encode()
            + body)


def chunked(*pieces: bytes, trailer: bytes = b"") -> bytes:
    """A chunked response carrying `pieces`, each as one chunk (with an extension)."""
    out = [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"]
    out += [b"%x;ext=1\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    out.append(b"0\r\n" + trailer + b"\r\n")
    return b"".join(out)


async def echo(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
    writer.write(response(request.body))
    return True
