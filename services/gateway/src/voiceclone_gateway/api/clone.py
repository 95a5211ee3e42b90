"""`POST /v1/clone`: a voice (file, samples or embedding) + text -> speech.

Multipart: `voice` (a WAV/FLAC/OGG file), `embed` (a JSON list of 256 floats) or
`voice_id` (a stored voice's id or name), `text`,
optional `output_sr`. JSON: `CloneJSONRequest`. The answer is `audio/wav` unless the
`Accept` header asks for `application/json` ({"wav", "sr"}). `X-Request-ID` and
`Server-Timing` (ms per stage) come with every answer.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response
from voiceclone_common.errors import BadInput, UnsupportedMediaType
from voiceclone_contracts.gateway import CloneJSONRequest

from voiceclone_gateway.api.bodies import (
    clone_response,
    json_body_schema,
    parse_audio_json,
    validate_fields,
    wants_json,
)
from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.api.voices import resolve_voice
from voiceclone_gateway.audio import decode_audio_file
from voiceclone_gateway.pipeline import CloneResult, VoiceInput
from voiceclone_gateway.request_log.record import RequestRecord, record_of
from voiceclone_gateway.state import GatewayState

router = APIRouter(tags=["clone"])

_MULTIPART_SCHEMA = {"schema": {
    "type": "object", "required": ["text"],
    "properties": {
        "voice": {"type": "string", "format": "binary", "description": "WAV/FLAC/OGG"},
        "embed": {"type": "string", "description": "A JSON list of 256 floats"},
        "text": {"type": "string"},
        "output_sr": {"type": "integer", "default": 16000},
    },
}}


@router.post(
    "/v1/clone", summary="Speak a text in a voice", response_class=Response,
    responses={200: {"content": {"audio/wav": {}, "application/json": {}},
                     "description": "16-bit WAV, or {wav, sr} JSON when Accept asks"}},
    openapi_extra=json_body_schema(CloneJSONRequest, **{"multipart/form-data": _MULTIPART_SCHEMA}),
)
async def clone(request: Request, state: StateDep, caller: CallerDep) -> Response:
    record = record_of(request)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        fields, voice = await _from_multipart(request)
    elif content_type.startswith("application/json") or not content_type:
        fields, parts = parse_audio_json(await request.body(), CloneJSONRequest)
        voice = VoiceInput(parts.body, parts.count / fields.sr) if fields.wav is not None \
            else None
    else:
        raise UnsupportedMediaType(
            f"content type {content_type!r} is not accepted: send application/json or "
            "multipart/form-data"
        )
    if fields.voice_id is not None:  # a stored voice: its embedding, owner-checked
        stored = await resolve_voice(state, caller, fields.voice_id)
        fields = fields.model_copy(update={"embed": stored.embed, "voice_id": None})
    result = await _run(state, record, fields, voice)
    return clone_response(result, record, sample_rate_hz=fields.output_sr,
                          as_json=wants_json(request.headers.get("accept")))


async def _from_multipart(request: Request) -> tuple[CloneJSONRequest, VoiceInput | None]:
    form = await request.form()
    data: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str)}
    voice = None
    upload = form.get("voice")
    if isinstance(upload, UploadFile):
        wav, sample_rate_hz = decode_audio_file(await upload.read())
        voice = VoiceInput.from_samples(wav, sample_rate_hz)
        data.update(wav=[], sr=sample_rate_hz)
    if isinstance(data.get("embed"), str):
        try:
            data["embed"] = orjson.loads(data["embed"])  # type: ignore[arg-type]
        except orjson.JSONDecodeError as exc:
            raise BadInput("embed: must be a JSON list of 256 numbers") from exc
    return validate_fields(data, CloneJSONRequest), voice


async def _run(
    state: GatewayState, record: RequestRecord, fields: CloneJSONRequest,
    voice: VoiceInput | None,
) -> CloneResult:
    record.text = fields.text
    if voice is not None:
        record.input_audio_s = round(voice.seconds, 3)
        return await state.pipeline.clone_from_audio(
            voice, fields.text, request_id=record.request_id, timings_s=record.stage_s
        )
    assert fields.embed is not None  # the contract requires one of the two
    return await state.pipeline.clone_from_embedding(
        fields.embed, fields.text, request_id=record.request_id, timings_s=record.stage_s
    )
