"""OpenAI-compatible speech: `POST /v1/audio/speech`, so OpenAI's clients work here.

`{"model", "input", "voice", "response_format", "speed"}`; `voice` is a stored voice's
id or name. wav and pcm stream sentence by sentence as they are made (like OpenAI's,
whose answers are chunked too); flac, mp3 and opus come whole, with the self-check's
similarity in a header. `"stream": false` (an extension) makes wav and pcm whole too.
`pcm` is 16-bit little-endian at 24 kHz, as OpenAI documents it.

Every error, including a missing API key, has OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from voiceclone_common.errors import ServiceError
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.openai_speech import (
    OPENAI_PCM_SAMPLE_RATE,
    OpenAIError,
    OpenAIErrorDetail,
    SpeechRequest,
)

from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.api.voices import resolve_voice
from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ
from voiceclone_gateway.request_log.record import record_of
from voiceclone_gateway.self_check import SIMILARITY_HEADER
from voiceclone_gateway.speech_formats import MEDIA_TYPES, supported_formats
from voiceclone_gateway.speech_job import STREAMABLE_FORMATS, SpeechJob

# OpenAI's error `type` for each of our status codes.
_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                 403: "permission_error", 404: "invalid_request_error",
                 413: "invalid_request_error", 415: "invalid_request_error",
                 422: "invalid_request_error", 429: "rate_limit_exceeded"}


class OpenAIInvalidRequest(ServiceError):
    status_code = 400
    error_type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.param = param
        self.code = code


def openai_error_response(request: Request, exc: ServiceError) -> JSONResponse:
    record_of(request).error_type = exc.error_type
    kind = _OPENAI_TYPES.get(exc.status_code, "server_error" if exc.status_code >= 500
                             else "invalid_request_error")
    param = getattr(exc, "param", None)
    code = getattr(exc, "code", None) or exc.error_type
    message = f"{exc.message} (at the {exc.stage} stage)" if exc.stage else exc.message
    body = OpenAIError(error=OpenAIErrorDetail(message=message, type=kind, param=param,
                                               code=code))
    headers = {}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
    return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=headers)


class OpenAIErrorRoute(APIRoute):
    """Routes whose errors, from dependencies (auth, rate limit) too, use OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ServiceError as exc:
                return openai_error_response(request, exc)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                loc = [str(p) for p in first.get("loc", ()) if p != "body"]
                return openai_error_response(request, OpenAIInvalidRequest(
                    f"{'.'.join(loc) or 'body'}: {first.get('msg', 'invalid')}",
                    param=loc[0] if loc else None))

        return handle


router = APIRouter(tags=["openai"], route_class=OpenAIErrorRoute)


def parse_speech_request(raw: bytes) -> SpeechRequest:
    try:
        return SpeechRequest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        message = f"{'.'.join(loc) or 'body'}: {first['msg']}"
        raise OpenAIInvalidRequest(message, param=loc[0] if loc else None) from exc


@router.post("/v1/audio/speech", summary="OpenAI-compatible text to speech")
async def speech(request: Request, state: StateDep, caller: CallerDep) -> Response:
    body = parse_speech_request(await request.body())
    if body.response_format not in supported_formats():
        raise OpenAIInvalidRequest(
            f"response_format {body.response_format!r} is not supported here; use one of "
            f"{', '.join(supported_formats())}", param="response_format",
            code="unsupported_response_format")
    state.pipeline.check_text(body.input)
    stored = await resolve_voice(state, caller, body.voice)
    record = record_of(request)
    fmt = body.response_format
    rate = OPENAI_PCM_SAMPLE_RATE if fmt == "pcm" else STACK_SAMPLE_RATE_HZ
    job = SpeechJob(state.pipeline, stored.embed, body.input, record.request_id, record=record,
                    speed=body.speed, sample_rate_hz=rate)
    headers = {"X-Sample-Rate": str(rate), "X-Voice-Id": stored.voice_id}
    if fmt in STREAMABLE_FORMATS and body.stream:
        first, rest = await job.stream(fmt)

        async def chunks() -> AsyncIterator[bytes]:
            yield first
            async for chunk in rest:
                yield chunk

        return StreamingResponse(chunks(), media_type=MEDIA_TYPES[fmt], headers=headers)
    audio = await job.whole(fmt)
    if job.similarity is not None:
        headers[SIMILARITY_HEADER] = f"{job.similarity:.4f}"
    return Response(audio, media_type=MEDIA_TYPES[fmt], headers=headers)

