"""HTTP/1.1 framing rules of the gateway's transport (clients/http11/wire.py), on bytes."""

from __future__ import annotations

import httpx
import pytest
from voiceclone_gateway.clients.http11.wire import (
    Framing,
    chunk_size,
    encode_request_head,
    parse_response_head,
)


def _head(lines: str, method: str = "GET"):  # type: ignore[no-untyped-def]
    return parse_response_head(lines.replace("\n", "\r\n").encode(), method)


@pytest.mark.parametrize(("head", "method", "framing", "length"), [
    ("HTTP/1.1 200 OK\ncontent-length: 12", "GET", Framing.LENGTH, 12),
    ("HTTP/1.1 200 OK\ncontent-length: 12", "HEAD", Framing.NONE, 0),
    ("HTTP/1.1 204 No Content", "GET", Framing.NONE, 0),
    ("HTTP/1.1 304 Not Modified\ncontent-length: 9", "GET", Framing.NONE, 0),
    ("HTTP/1.1 200 OK\ncontent-length: 0", "GET", Framing.NONE, 0),
    ("HTTP/1.1 200 OK\ncontent-length: 7, 7", "GET", Framing.LENGTH, 7),
    # chunked wins over a Content-Length (RFC 9112 6.3)
    ("HTTP/1.1 200 OK\ncontent-length: 5\ntransfer-encoding: gzip, chunked", "GET",
     Framing.CHUNKED, 0),
    ("HTTP/1.1 200 OK\ntransfer-encoding: gzip", "GET", Framing.UNTIL_CLOSE, 0),
    ("HTTP/1.1 200 OK", "GET", Framing.UNTIL_CLOSE, 0),
])
def test_response_framing(head: str, method: str, framing: Framing, length: int) -> None:
    parsed = _head(head, method)
    assert (parsed.framing, parsed.content_length) == (framing, length)


@pytest.mark.parametrize(("head", "keep_alive"), [
    ("HTTP/1.1 200 OK\ncontent-length: 1", True),
    ("HTTP/1.1 200 OK\ncontent-length: 1\nConnection: Close", False),
    ("HTTP/1.0 200 OK\ncontent-length: 1", False),
    ("HTTP/1.0 200 OK\ncontent-length: 1\nconnection: keep-alive", True),
    ("HTTP/1.1 200 OK", False),  # delimited by the close
])
def test_keep_alive(head: str, keep_alive: bool) -> None:
    assert _head(head).keep_alive is keep_alive


@pytest.mark.parametrize("head", [
    "HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 200 OK\nno colon",
    "HTTP/1.1 200 OK\nname : space before colon", "HTTP/1.1 200 OK\ncontent-length: 1\n"
    "content-length: 2", "HTTP/1.1 200 OK\ncontent-length: +1",
])
def test_malformed_heads(head: str) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        _head(head)


def test_request_head_keeps_httpx_headers_and_finds_the_framing() -> None:
    request = httpx.Request("POST", "http://up:8001/inference?x=1", content=b"{}",
                            headers={"X-Request-ID": "r"})
    head = encode_request_head(request)
    assert head.head == (b"POST /inference?x=1 HTTP/1.1\r\nHost: up:8001\r\n"
                         b"X-Request-ID: r\r\nContent-Length: 2\r\n\r\n")
    assert (head.framing, head.content_length, head.close) == (Framing.LENGTH, 2, False)
    streamed = httpx.Request("PUT", "http://up/", content=iter([b"a"]),
                             headers={"connection": "close"})
    assert encode_request_head(streamed).framing is Framing.CHUNKED
    assert encode_request_head(streamed).close


def test_chunk_sizes() -> None:
    assert chunk_size(b"1a") == 26 and chunk_size(b"FF;name=value") == 255
    for bad in (b"", b"0x10", b"-1", b"1_0", b"g"):
        with pytest.raises(httpx.RemoteProtocolError):
            chunk_size(bad)
