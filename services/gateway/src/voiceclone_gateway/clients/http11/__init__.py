"""The gateway's HTTP/1.1 client transport, under its one `httpx.AsyncClient`.

httpx stays the API (one long-lived client; `httpx.MockTransport` in unit tests); this
replaces what is under it. httpcore + h11 moved each megabyte of JSON through a
parser event per socket read, a growing receive buffer and a join: ~55 % of the
gateway's CPU on `/inference-c`. Here a Content-Length answer is read into one buffer
and a request body in memory goes out with its head in one write.

    wire.py        request head out, response head in, body framing (RFC 9112)
    connection.py  one connection: an asyncio protocol with timed reads and writes
    pool.py        keep-alive connections per (scheme, host, port), bounded, expiring
    body.py        response bodies as httpx streams (length, chunked, until close);
                   streamed request bodies
    transport.py   Http11Transport: one exchange; StaleConnection
"""

from voiceclone_gateway.clients.http11.transport import (
    DEFAULT_KEEPALIVE_S,
    STALE_CLOSE_WINDOW_S,
    WHOLE_BODY,
    Http11Transport,
    StaleConnection,
)

__all__ = [
    "DEFAULT_KEEPALIVE_S",
    "STALE_CLOSE_WINDOW_S",
    "WHOLE_BODY",
    "Http11Transport",
    "StaleConnection",
]
