"""A lean HTTP/1.1 client for the benchmark: pre-built request bytes over raw asyncio
sockets, one keep-alive connection per simulated client.

The benchmark's clients run on the same 2 cores as the servers they measure, so their
own CPU counts against every server. httpx builds each request (and each multipart
body) anew and parses responses with h11; here a request is built once, written with
one call, and a response is read by its Content-Length. Every server (the baseline,
fp32, bf16) is measured with this same client.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


def build_request(host: str, port: int, path: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def multipart(field: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """A multipart/form-data body with one file field, and its Content-Type."""
    boundary = "benchboundary7c1f0e"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
        f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


@dataclass
class Response:
    status: int
    body: bytes


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(request)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        )
        if "content-length" not in headers:
            raise RuntimeError(f"response without Content-Length: {lines[0]}")
        body = await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
