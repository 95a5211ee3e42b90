"""The gateway's one `httpx.AsyncClient` toward its upstreams, over `http11`'s transport.

The client keeps no cookie jar: httpx files every response's Set-Cookie into the
client's jar (a urllib request built per response, ~0.1 ms) and would send those
cookies on every later request, whoever's it is. The upstreams set none, and a shared
jar must not carry one caller's cookies to another's request.
"""

from __future__ import annotations

import httpx

from voiceclone_gateway.clients.http11 import DEFAULT_KEEPALIVE_S, Http11Transport


class NoCookieJar(httpx.Cookies):
    """A cookie jar that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def without_cookie_jar(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """`http` with `NoCookieJar` (httpx has no switch for it; its `cookies` setter
    copies into a plain jar, so the attribute is replaced)."""
    http._cookies = NoCookieJar()
    return http


def upstream_http_client(
    *, max_connections: int, connect_timeout_s: float, read_timeout_s: float,
    keepalive_s: float = DEFAULT_KEEPALIVE_S,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The shared client; `transport` replaces the network (tests: `MockTransport`).

    Each stage's client sets its own timeouts per request; these are the defaults of
    other calls (readiness has its own too).
    """
    return without_cookie_jar(httpx.AsyncClient(
        transport=transport or Http11Transport(max_connections, keepalive_s=keepalive_s),
        timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
    ))
