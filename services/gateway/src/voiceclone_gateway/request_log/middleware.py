"""A pure-ASGI middleware around the whole gateway: request id and the log row.

It runs outermost, so every request is recorded: pass-through, 404s, 413s from the
body limit, crashes. It accepts the caller's `X-Request-ID` (or makes one), returns it,
counts bytes both ways, times the request until its last byte is sent, reads the
`error_type` out of error bodies, and hands the finished record to `on_finish`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from voiceclone_common.metrics import route_template

from voiceclone_gateway.request_log.record import RequestRecord

logger = logging.getLogger("voiceclone_gateway.access")

REQUEST_ID_HEADER = b"x-request-id"
# Accepted caller ids: printable, no spaces, bounded (they go into logs and headers).
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")
# Error bodies are small; a body past this is not sniffed for its error_type.
_SNIFF_BYTES = 64 * 1024


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


def _error_type(body: bytes) -> str | None:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    value = parsed.get("error_type") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, on_finish: Callable[[RequestRecord], None]) -> None:
        self.app = app
        self.on_finish = on_finish

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        record = RequestRecord(
            request_id=request_id_from(scope),
            method=scope["method"],
            path=scope["path"],
            client_addr=client[0] if client else None,
        )
        scope.setdefault("state", {})["record"] = record
        header_value = record.request_id.encode()
        sniff: list[bytes] | None = None

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                record.bytes_in += len(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal sniff
            if message["type"] == "http.response.start":
                record.status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, header_value))
                message = {**message, "headers": headers}
                if record.status >= 400 and any(
                    k == b"content-type" and v.startswith(b"application/json")
                    for k, v in headers
                ):
                    sniff = []
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                record.bytes_out += len(body)
                if sniff is not None and sum(map(len, sniff)) < _SNIFF_BYTES:
                    sniff.append(body)
            await send(message)

        try:
            await self.app(scope, counting_receive, recording_send)
        except Exception:
            if record.status == 0:
                record.status = 500
            record.error_type = record.error_type or "internal_error"
            raise
        finally:
            record.total_s = record.elapsed_s()
            record.route = route_template(scope["app"], scope)
            if sniff and record.error_type is None:
                record.error_type = _error_type(b"".join(sniff))
            if record.status == 0:  # the client left before any answer
                record.status, record.error_type = 499, record.error_type or "client_closed"
            self.on_finish(record)
            logger.info('%s %s %s %d %.1fms id=%s', record.client_addr, record.method,
                        record.path, record.status, record.total_s * 1000, record.request_id)
