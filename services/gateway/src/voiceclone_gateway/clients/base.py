"""One upstream service over the gateway's shared `httpx.AsyncClient`.

Timeouts are per stage (connect and read); a request is retried only when the
upstream never saw it: the connection could not be made, or a pooled connection turned
out closed by the upstream for idleness (`http11.StaleConnection`; once, and only a
request whose body is in memory). A read error or timeout after the request went out is
never retried: the upstream may have run it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from voiceclone_gateway.clients.errors import map_status, map_transport_error
from voiceclone_gateway.clients.http11 import WHOLE_BODY, StaleConnection

REQUEST_ID_HEADER = "X-Request-ID"

# Called with (stage, seconds, error_type or None) after every upstream call.
StageObserver = Callable[[str, float, str | None], None]


@dataclass(frozen=True)
class UpstreamConfig:
    stage: str
    base_url: str
    connect_timeout_s: float
    read_timeout_s: float
    connect_retries: int = 2
    retry_backoff_s: float = 0.1

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout_s,
            read=self.read_timeout_s,
            write=self.read_timeout_s,
            pool=self.connect_timeout_s,
        )


class UpstreamClient:
    """Sends requests to one stage, retrying only unsent ones, mapping every failure."""

    def __init__(
        self, http: httpx.AsyncClient, config: UpstreamConfig,
        observe: StageObserver | None = None,
    ) -> None:
        self.http = http
        self.config = config
        self.stage = config.stage
        self._observe = observe
        # Parsed once per path: httpx parses a string URL on every request (~0.1 ms).
        self._parsed_urls: dict[str, httpx.URL] = {}

    def url(self, path: str) -> str:
        return f"{self.config.base_url}/{path.lstrip('/')}"

    def _parsed_url(self, path: str) -> httpx.URL:
        url = self._parsed_urls.get(path)
        if url is None:
            if len(self._parsed_urls) < 64:  # the typed clients' few fixed paths
                url = self._parsed_urls[path] = httpx.URL(self.url(path))
            else:
                url = httpx.URL(self.url(path))
        return url

    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send with retries on connection failures; transport errors are mapped.

        The status is not checked here (pass-through relays it as it is).
        """
        request.extensions["timeout"] = self.config.timeout.as_dict()
        attempt = 0
        # A streamed body (pass-through) is gone once sent: it cannot go out again.
        resendable = isinstance(request.stream, httpx.ByteStream)
        while True:
            try:
                return await self.http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt >= self.config.connect_retries:
                    raise map_transport_error(self.stage, exc) from exc
                await asyncio.sleep(self.config.retry_backoff_s * 2**attempt)
                attempt += 1
            except httpx.TransportError as exc:
                if resendable and isinstance(exc, StaleConnection):
                    resendable = False  # once: a second stale connection is not a race
                    continue
                raise map_transport_error(self.stage, exc) from exc

    async def post_json(self, path: str, body: bytes, *, request_id: str) -> bytes:
        """POST a JSON body; return the 2xx response body, else raise the mapped error."""
        request = self.http.build_request(
            "POST", self._parsed_url(path), content=body,
            headers={"content-type": "application/json", REQUEST_ID_HEADER: request_id},
            extensions={WHOLE_BODY: True},  # read at once: into one buffer
        )
        start = time.perf_counter()
        error_type: str | None = None
        try:
            response = await self.send(request)
            error = map_status(self.stage, response)
            if error is not None:
                error_type = error.error_type
                raise error
            return response.content
        except Exception as exc:
            error_type = error_type or getattr(exc, "error_type", type(exc).__name__)
            raise
        finally:
            if self._observe is not None:
                self._observe(self.stage, time.perf_counter() - start, error_type)
