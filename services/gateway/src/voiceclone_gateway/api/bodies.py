"""Request bodies with audio: validated without parsing the samples, and responses.

The samples of a JSON body stay bytes (see jsonscan); every other field goes through
the contract model, with `wav` stood in by an empty list, so errors read exactly as
FastAPI's own validation errors would. The encoder validates the samples themselves.
"""

from __future__ import annotations

from typing import TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from voiceclone_common.errors import BadInput

from voiceclone_gateway.audio import encode_wav
from voiceclone_gateway.jsonscan import NotAnObject, SplitBody, split_array
from voiceclone_gateway.pipeline import CloneResult
from voiceclone_gateway.request_log.record import RequestRecord
from voiceclone_gateway.self_check import SIMILARITY_HEADER, with_similarity

M = TypeVar("M", bound=BaseModel)


def parse_audio_json(body: bytes, model: type[M]) -> tuple[M, SplitBody]:
    """Validate `body` as `model` except for its `wav` samples; return both parts."""
    if not body:
        raise BadInput("the request body is empty; send a JSON object")
    try:
        parts = split_array(body, "wav")
    except NotAnObject as exc:
        raise BadInput(str(exc)) from exc
    data = dict(parts.fields)
    if parts.present:
        data["wav"] = [] if parts.is_array else orjson.loads(parts.array)
    return validate_fields(data, model), parts


def validate_fields(data: dict, model: type[M]) -> M:
    """`model` from `data`; errors raised as FastAPI's (422 naming each field)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


def json_body_schema(model: type[BaseModel], **more_types: dict) -> dict:
    """OpenAPI for a body the route reads raw (so that FastAPI does not parse it)."""
    content = {"application/json": {"schema": model.model_json_schema()}, **more_types}
    return {"requestBody": {"required": True, "content": content}}


def wants_json(accept: str | None) -> bool:
    """JSON when the caller's Accept names it before (or without) audio/wav."""
    if not accept:
        return False
    accept = accept.lower()
    json_at, wav_at = accept.find("application/json"), accept.find("audio/wav")
    return json_at >= 0 and (wav_at < 0 or json_at < wav_at)


def clone_response(
    result: CloneResult, record: RequestRecord, *, sample_rate_hz: int, as_json: bool
) -> Response:
    """The cloned speech as `{"wav", "sr"}` JSON or a 16-bit WAV file, with timings."""
    record.output_audio_s = round(result.seconds, 3)
    record.similarity = result.similarity
    headers = {"Server-Timing": record.server_timing()}
    if as_json:
        content, media_type = result.json_body(sample_rate_hz), "application/json"
        content = with_similarity(content, result.similarity)
    else:
        content = encode_wav(result.samples(sample_rate_hz), sample_rate_hz)
        media_type = "audio/wav"
    if result.similarity is not None:
        headers[SIMILARITY_HEADER] = f"{result.similarity:.4f}"
    return Response(content, media_type=media_type, headers=headers)
