"""HTTP/1.1 framing (RFC 9112): the request head out, the response head in, and how
each message's body is delimited.

Pure functions over bytes: no sockets here, so every rule is testable on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import httpx

# A response head longer than this is refused (uvicorn's are ~150 bytes).
MAX_HEAD_BYTES = 64 * 1024
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


class Framing(Enum):
    """How a message body ends."""

    NONE = "none"  # no body (HEAD, 1xx, 204, 304; a request without one)
    LENGTH = "length"  # Content-Length bytes
    CHUNKED = "chunked"  # Transfer-Encoding: chunked
    UNTIL_CLOSE = "until_close"  # a response with neither: read to EOF, never reuse


@dataclass(frozen=True, slots=True)
class RequestHead:
    head: bytes  # request line and headers, through the blank line
    framing: Framing  # of the body that follows
    content_length: int  # LENGTH only
    close: bool  # the request asked for `Connection: close`


@dataclass(frozen=True, slots=True)
class ResponseHead:
    http_version: bytes
    status_code: int
    reason_phrase: bytes
    headers: list[tuple[bytes, bytes]]
    framing: Framing
    content_length: int  # LENGTH only
    keep_alive: bool  # the upstream lets the connection be reused after this answer


def encode_request_head(request: httpx.Request) -> RequestHead:
    """The head of `request` with the headers httpx prepared (Host, Content-Length or
    Transfer-Encoding, ...), in their order and spelling."""
    parts = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    framing, length, close = Framing.NONE, 0, False
    for name, value in request.headers.raw:
        parts += (name, b": ", value, b"\r\n")
        lowered = name.lower()
        if lowered == b"content-length":
            framing, length = Framing.LENGTH, _content_length(value, httpx.LocalProtocolError)
        elif lowered == b"transfer-encoding" and value.lower().endswith(b"chunked"):
            framing = Framing.CHUNKED
        elif lowered == b"connection":
            close = b"close" in _tokens(value)
    parts.append(b"\r\n")
    head = b"".join(parts)
    # One count instead of a scan per header: CR or LF inside a name or value would let
    # a header smuggle a second request into the connection.
    if head.count(b"\n") != len(request.headers.raw) + 2 or head.count(b"\r") != head.count(
        b"\n"
    ):
        raise httpx.LocalProtocolError("a request header contains CR or LF")
    if framing is Framing.CHUNKED:  # RFC 9112 6.3: chunked wins over a Content-Length
        length = 0
    return RequestHead(head, framing, length, close)


def parse_response_head(data: bytes, request_method: str) -> ResponseHead:
    """`data`: the status line and header lines, without the final blank line."""
    lines = data.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    status, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(status) != 3 or not status.isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    status_code = int(status)
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = other_coding = close = False
    keep_alive_1_0 = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        # No obs-fold continuation lines and no space before the colon (RFC 9112 5.1-5.2).
        if not colon or not name or name[-1:] in b" \t" or name[:1] in b" \t":
            raise httpx.RemoteProtocolError(f"malformed response header line {line[:80]!r}")
        value = value.strip(b" \t")
        headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length":
            parsed = _content_length(value, httpx.RemoteProtocolError)
            if length is not None and parsed != length:
                raise httpx.RemoteProtocolError("conflicting Content-Length headers")
            length = parsed
        elif lowered == b"transfer-encoding":
            codings = _tokens(value)
            chunked = bool(codings) and codings[-1] == b"chunked"
            other_coding = not chunked
        elif lowered == b"connection":
            tokens = _tokens(value)
            close = close or b"close" in tokens
            keep_alive_1_0 = keep_alive_1_0 or b"keep-alive" in tokens
    keep_alive = not close and (version == b"HTTP/1.1" or keep_alive_1_0)
    framing = _response_framing(request_method, status_code, chunked, other_coding, length)
    if framing is Framing.UNTIL_CLOSE:
        keep_alive = False
    return ResponseHead(version, status_code, reason, headers, framing,
                        length if framing is Framing.LENGTH and length else 0, keep_alive)


def _response_framing(method: str, status_code: int, chunked: bool, other_coding: bool,
                      length: int | None) -> Framing:
    """RFC 9112 6.3, in its order."""
    if method == "HEAD" or status_code < 200 or status_code in (204, 304):
        return Framing.NONE
    if chunked:
        return Framing.CHUNKED
    if other_coding:  # a transfer coding not ending in chunked: delimited by the close
        return Framing.UNTIL_CLOSE
    if length is not None:
        return Framing.LENGTH if length else Framing.NONE
    return Framing.UNTIL_CLOSE


def chunk_size(line: bytes) -> int:
    """The size of a chunk from its size line (extensions after `;` ignored)."""
    size = line.split(b";", 1)[0].strip(b" \t")
    if not _HEX.fullmatch(size):
        raise httpx.RemoteProtocolError(f"malformed chunk size line {line[:40]!r}")
    return int(size, 16)


def _content_length(value: bytes, error: type[httpx.ProtocolError]) -> int:
    # A list of equal values ("10, 10") is allowed by RFC 9110 8.6; digits only, no sign.
    values = {v.strip() for v in value.split(b",")}
    if len(values) != 1 or not (only := values.pop()).isdigit():
        raise error(f"invalid Content-Length {value[:40]!r}")
    return int(only)


def _tokens(value: bytes) -> list[bytes]:
    return [token.strip().lower() for token in value.split(b",") if token.strip()]
