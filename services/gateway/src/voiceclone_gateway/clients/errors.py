"""The one place where upstream failures become gateway errors.

    httpx.ConnectError / ConnectTimeout  -> UpstreamUnavailable  503  (after retries)
    httpx.TimeoutException (read, write,
                            pool)         -> UpstreamTimeout      504
    any other httpx.TransportError       -> UpstreamError        502
    upstream answered 4xx                -> UpstreamRejected     its status and error_type
    upstream answered 5xx                -> UpstreamError        502
    upstream answered 2xx, wrong shape   -> UpstreamError        502

Every error names the stage (the upstream service) that failed.
"""

from __future__ import annotations

import httpx
import orjson
from voiceclone_common.errors import (
    ServiceError,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)

# Upstream messages are relayed, but an HTML error page must not flood a JSON body.
_MAX_MESSAGE_CHARS = 500


def map_transport_error(stage: str, exc: httpx.TransportError) -> UpstreamError:
    """An httpx failure talking to `stage`, as the error the client sees."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return UpstreamUnavailable(
            f"the {stage} service is unreachable ({type(exc).__name__}: {exc}); is it running?",
            stage=stage,
        )
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeout(
            f"the {stage} service did not answer in time ({type(exc).__name__})", stage=stage
        )
    return UpstreamError(
        f"the connection to the {stage} service failed ({type(exc).__name__}: {exc})",
        stage=stage,
    )


def _upstream_message(response: httpx.Response) -> tuple[str, str | None]:
    """(message, error_type) from an upstream error response, ErrorBody-shaped or not."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.text.strip() or response.reason_phrase
        return text[:_MAX_MESSAGE_CHARS], None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        error_type = body.get("error_type")
        return body["error"][:_MAX_MESSAGE_CHARS], error_type if isinstance(
            error_type, str
        ) else None
    if isinstance(body, dict) and "detail" in body:  # a plain FastAPI HTTPException body
        return str(body["detail"])[:_MAX_MESSAGE_CHARS], None
    return str(body)[:_MAX_MESSAGE_CHARS], None


def map_status(stage: str, response: httpx.Response) -> ServiceError | None:
    """None for a 2xx/3xx answer; else the error to relay. The body must have been read."""
    if response.status_code < 400:
        return None
    message, error_type = _upstream_message(response)
    if response.status_code < 500:
        retry_after = response.headers.get("retry-after")
        return UpstreamRejected(
            message,
            status_code=response.status_code,
            error_type=error_type or "upstream_rejected",
            stage=stage,
            retry_after_s=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    return UpstreamError(
        f"the {stage} service failed with HTTP {response.status_code}: {message}", stage=stage
    )


def invalid_response(stage: str, problem: str) -> UpstreamError:
    return UpstreamError(f"the {stage} service sent an invalid response: {problem}", stage=stage)
