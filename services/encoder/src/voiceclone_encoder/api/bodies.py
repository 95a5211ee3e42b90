"""Reading request bodies without the framework's per-float path.

The legacy body is parsed while it arrives (`wavstream`); other JSON bodies are read as
bytes and parsed by `voiceclone_common.jsonfast` (orjson, then numpy). The pydantic
contract models still document them in OpenAPI (`openapi_extra`), and small fields are
validated here with the same messages a person can act on. Callers read bodies inside
an audio slot (`admission.py`), which bounds how many are in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from fastapi import Request
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUploadFile
from voiceclone_common import jsonfast
from voiceclone_common.errors import BadInput, UnsupportedMediaType

from voiceclone_encoder.api.admission import read_lane
from voiceclone_encoder.api.wavjson import parse_flat_wav
from voiceclone_encoder.api.wavstream import WavBodyStream
from voiceclone_encoder.hparams import MAX_SOURCE_RATE_HZ, MIN_SOURCE_RATE_HZ
from voiceclone_encoder.pipeline import EncoderPipeline

T = TypeVar("T")


class JsonBody:
    """A parsed JSON object plus what the fast checks need to know about its bytes."""

    def __init__(self, data: dict[str, Any], may_contain_booleans: bool) -> None:
        self.data = data
        self.may_contain_booleans = may_contain_booleans


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def check_json_content_type(request: Request) -> None:
    """415 unless the body is JSON (or untyped, as some clients of the original sent it)."""
    media_type = _media_type(request)
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        hint = " (send audio files to /embed/audio or /embed/file)" if "audio" in media_type \
            or "multipart" in media_type else ""
        raise UnsupportedMediaType(
            f"this endpoint takes JSON (Content-Type: application/json), got {media_type}{hint}"
        )


async def read_body(request: Request) -> bytes:
    """The whole body: the server's chunks, joined once (a growing bytearray copied
    everything so far at each of its ~30 reallocations)."""
    chunks: list[bytes] = []
    lane = read_lane(request)
    async with lane.turn():
        async for chunk in request.stream():
            lane.progress()
            chunks.append(chunk)
    return b"".join(chunks)


async def read_form_file(request: Request, field: str) -> bytes:
    """The file in multipart form field `field`, read in the read lane; 422 without it."""
    media_type = _media_type(request)
    if media_type != "multipart/form-data":
        raise BadInput(
            f"{field} is required: send the audio file as multipart form field '{field}' "
            f"(Content-Type: multipart/form-data), got {media_type or 'no Content-Type'}"
        )
    async with read_lane(request).turn():
        form = await request.form()
    try:
        upload = form.get(field)
        if not isinstance(upload, StarletteUploadFile):
            raise BadInput(f"{field} is required: a multipart form field '{field}' holding "
                           "the audio file")
        return await upload.read()
    finally:
        await form.close()


def content_length(request: Request) -> int | None:
    length = request.headers.get("content-length", "")
    return int(length) if length.isdigit() else None


async def read_and_parse(
    request: Request, pipeline: EncoderPipeline, parser: Callable[..., T], *args: Any
) -> T:
    """Read the body, then parse it in the pool (orjson makes a Python float per
    sample: at most one such list per pool thread exists at a time)."""
    raw = await read_body(request)
    return await pipeline.run_in_pool(parser, raw, *args)


async def read_wav_body(
    request: Request, pipeline: EncoderPipeline
) -> tuple[np.ndarray, int, bool]:
    """The legacy {"wav", "sr"[, "return_partials"]} body -> (samples, rate, partials flag).

    Parsed slice by slice as it arrives, on the event loop (each slice ~0.1 ms), so the
    whole text is never parsed at once; an unusual body is parsed whole the careful way
    in the pool, with the same results and messages as `parse_wav_body`.
    """
    stream = WavBodyStream(content_length(request))
    lane = read_lane(request)
    async with lane.turn():
        async for chunk in request.stream():
            lane.progress()
            stream.feed(chunk)
    parsed = stream.finish()
    if parsed is None:
        return await pipeline.run_in_pool(parse_wav_body, stream.take_body())
    samples, others = parsed
    return jsonfast.finite(samples, "wav"), sample_rate(others, "sr"), \
        flag(others, "return_partials")


def parse_json(raw: bytes | bytearray) -> JsonBody:
    """Parse a JSON object body (CPU work: run it in the preprocessing pool)."""
    data = jsonfast.loads(raw)
    if not isinstance(data, dict):
        raise BadInput(f"the body must be a JSON object, got a JSON {type(data).__name__}")
    return JsonBody(data, jsonfast.may_contain_booleans(raw))


def parse_wav_body(raw: bytes | bytearray) -> tuple[np.ndarray, int, bool]:
    """A legacy {"wav", "sr"[, "return_partials"]} body -> (samples, rate, partials flag).

    Plain bodies take the simdjson path (`wavjson`, no per-sample Python objects);
    anything else is parsed by orjson. Run in the pool: the per-sample Python floats
    orjson makes live only inside this call, so at most one list per pool thread exists
    at a time (peak memory).
    """
    fast = parse_flat_wav(raw)
    if fast is not None:
        values, others = fast
        samples = jsonfast.finite(values, "wav")
        return samples, sample_rate(others, "sr"), flag(others, "return_partials")
    body = parse_json(raw)
    wav = body.data.get("wav")
    if isinstance(wav, list) and wav and jsonfast.flat_numbers_only(raw, "wav", len(wav)):
        samples = jsonfast.float_array(wav, "wav", numbers_only=True)
        return samples, sample_rate(body.data, "sr"), flag(body.data, "return_partials")
    samples, sr = wav_item(body.data, body)
    return samples, sr, flag(body.data, "return_partials")


def parse_items(raw: bytes | bytearray, name: str, max_items: int) -> list[tuple[np.ndarray, int]]:
    """{name: [{"wav", "sr"}, ...]} -> [(samples, rate), ...], errors located by index."""
    body = parse_json(raw)
    items = items_list(body.data, name, max_items)
    return [wav_item(item, body, f"{name}[{i}].") for i, item in enumerate(items)]


def sample_rate(obj: dict[str, Any], field: str) -> int:
    if "sr" not in obj:
        raise BadInput(
            f"{field} is required: the sample rate of the samples in Hz "
            f"({MIN_SOURCE_RATE_HZ}..{MAX_SOURCE_RATE_HZ})"
        )
    sr = obj["sr"]
    if isinstance(sr, float) and sr.is_integer():
        sr = int(sr)
    if isinstance(sr, bool) or not isinstance(sr, int):
        raise BadInput(f"{field} must be an integer sample rate in Hz, got {sr!r}"[:200])
    if sr <= 0:
        raise BadInput(f"{field} must be a positive sample rate in Hz, got {sr}")
    return sr


def wav_item(obj: Any, body: JsonBody, prefix: str = "") -> tuple[np.ndarray, int]:
    """{"wav": [...], "sr": int} at `prefix` -> (float32 samples, rate); named errors."""
    where = prefix or "body"
    if not isinstance(obj, dict):
        raise BadInput(f"{where} must be an object with 'wav' and 'sr'")
    if "wav" not in obj:
        raise BadInput(f"{prefix}wav is required: mono samples as a list of numbers in [-1, 1]")
    wav = jsonfast.float_array(
        obj["wav"], f"{prefix}wav", check_booleans=body.may_contain_booleans
    )
    return wav, sample_rate(obj, f"{prefix}sr")


def flag(obj: dict[str, Any], name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise BadInput(f"{name} must be true or false, got {value!r}"[:200])
    return value


def items_list(obj: dict[str, Any], name: str, max_items: int) -> list[Any]:
    items = obj.get(name)
    if not isinstance(items, list) or not items:
        raise BadInput(f"{name} must be a non-empty list of {{'wav', 'sr'}} objects")
    if len(items) > max_items:
        raise BadInput(
            f"{name} has {len(items)} entries; at most {max_items} per request "
            "(ENCODER_MAX_BATCH_ITEMS)"
        )
    return items


# Schemas of nested models referenced by hand-documented bodies; app.py adds them to
# the OpenAPI components.
EXTRA_SCHEMAS: dict[str, Any] = {}


def openapi_body(model: type[BaseModel], example: dict[str, Any] | None = None) -> dict:
    """`openapi_extra` that documents a JSON body parsed by hand as `model`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    EXTRA_SCHEMAS.update(schema.pop("$defs", {}))
    EXTRA_SCHEMAS[model.__name__] = schema
    content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": content}}}
