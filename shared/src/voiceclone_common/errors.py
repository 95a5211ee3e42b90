"""The error hierarchy of every service, and its one mapping to HTTP.

    ServiceError                 500  internal_error
    ├── BadInput                 422  invalid_input
    │   └── InvalidAudio         422  invalid_audio
    ├── PayloadTooLarge          413  payload_too_large
    ├── UnsupportedMediaType     415  unsupported_media_type
    ├── NotFound                 404  not_found
    ├── Unauthorized             401  unauthorized
    ├── Forbidden                403  forbidden
    ├── Overloaded               429  overloaded        (Retry-After)
    ├── NotReady                 503  not_ready         (Retry-After)
    └── UpstreamError            502  upstream_error    (stage = the failing service)
        ├── UpstreamTimeout      504  upstream_timeout
        ├── UpstreamUnavailable  503  upstream_unavailable
        └── UpstreamRejected     4xx  the upstream's own status and error_type

Domain code raises these; `install_error_handlers` turns them, FastAPI's validation
errors and stray HTTPExceptions into an `ErrorBody`. Anything else is a bug: it is
logged and answered with a generic 500 body, never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from voiceclone_contracts.common import ErrorBody

from voiceclone_common.jsonio import JSONResponse

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    status_code: int = 500
    error_type: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        stage: str | None = None,
        retry_after_s: float | None = None,
        detail: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.retry_after_s = retry_after_s
        self.detail = detail

    def body(self) -> ErrorBody:
        return ErrorBody(
            error=self.message, error_type=self.error_type, stage=self.stage, detail=self.detail
        )


class BadInput(ServiceError):
    status_code = 422
    error_type = "invalid_input"


class InvalidAudio(BadInput):
    error_type = "invalid_audio"


class PayloadTooLarge(ServiceError):
    status_code = 413
    error_type = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    error_type = "unsupported_media_type"


class NotFound(ServiceError):
    status_code = 404
    error_type = "not_found"


class Unauthorized(ServiceError):
    status_code = 401
    error_type = "unauthorized"


class Forbidden(ServiceError):
    status_code = 403
    error_type = "forbidden"


class Overloaded(ServiceError):
    status_code = 429
    error_type = "overloaded"


class NotReady(ServiceError):
    status_code = 503
    error_type = "not_ready"


class UpstreamError(ServiceError):
    status_code = 502
    error_type = "upstream_error"


class UpstreamTimeout(UpstreamError):
    status_code = 504
    error_type = "upstream_timeout"


class UpstreamUnavailable(UpstreamError):
    status_code = 503
    error_type = "upstream_unavailable"


class UpstreamRejected(UpstreamError):
    """An upstream refused the request (4xx): relayed with its own status and type."""

    def __init__(self, message: str, *, status_code: int, error_type: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.error_type = error_type


def error_response(exc: ServiceError) -> JSONResponse:
    headers = {}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
    return JSONResponse(
        exc.body().model_dump(exclude_none=True), status_code=exc.status_code, headers=headers
    )


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        location = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",))
        parts.append(f"{location or 'body'}: {err.get('msg', 'invalid')}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def _json_safe(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Pydantic puts the offending input and exception objects into its errors; a huge
    # wav list echoed back, or a ValueError instance, must not reach the response.
    return [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
         "type": str(err.get("type", ""))}
        for err in errors[:20]
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure of `app` to an `ErrorBody` with the right status code."""

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return error_response(BadInput(_validation_message(errors), detail=_json_safe(errors)))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {404: "not_found", 405: "method_not_allowed"}
        error_type = names.get(exc.status_code, "http_error")
        err = ServiceError(str(exc.detail))
        err.status_code, err.error_type = exc.status_code, error_type
        return error_response(err)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return error_response(ServiceError("internal error; see the service log"))
