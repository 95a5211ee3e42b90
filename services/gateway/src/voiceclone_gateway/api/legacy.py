"""The original gateway's routes, same shapes: `/inference-c` and `/inference-w`.

`sr` is the caller's sample rate: of the reference audio in `/inference-c`, and the
rate the speech comes back at in both (resampled from the stack's 16 kHz when needed).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response
from voiceclone_contracts.gateway import CloneFromEmbedRequest, CloneRequest, CloneResponse

from voiceclone_gateway.api.bodies import clone_response, json_body_schema, parse_audio_json
from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.pipeline import VoiceInput
from voiceclone_gateway.request_log.record import record_of

router = APIRouter(tags=["legacy"])

_RESPONSES = {200: {"model": CloneResponse}}


@router.post("/inference-c", summary="Clone a voice from samples (legacy)",
             responses=_RESPONSES, response_class=Response,
             openapi_extra=json_body_schema(CloneRequest))
@router.post("/inference-c/", include_in_schema=False, response_class=Response)
async def inference_c(request: Request, state: StateDep, _caller: CallerDep) -> Response:
    """`{"wav": [floats], "sr": Hz, "text": str}` -> `{"wav": [floats], "sr": Hz}`."""
    # The body is read raw: parsing 10 s of samples would cost more than the gateway's
    # whole budget; the encoder validates them.
    fields, parts = parse_audio_json(await request.body(), CloneRequest)
    record = record_of(request)
    record.text = fields.text
    voice = VoiceInput(parts.body, parts.count / fields.sr)
    record.input_audio_s = round(voice.seconds, 3)
    result = await state.pipeline.clone_from_audio(
        voice, fields.text, request_id=record.request_id, timings_s=record.stage_s
    )
    return clone_response(result, record, sample_rate_hz=fields.sr, as_json=True)


@router.post("/inference-w", summary="Clone a voice from an embedding (legacy)",
             responses=_RESPONSES, response_class=Response)
@router.post("/inference-w/", include_in_schema=False, response_class=Response)
async def inference_w(
    body: CloneFromEmbedRequest, request: Request, state: StateDep, _caller: CallerDep
) -> Response:
    """`{"embed": [256 floats], "sr": Hz, "text": str}` -> `{"wav": [floats], "sr": Hz}`."""
    record = record_of(request)
    record.text = body.text
    result = await state.pipeline.clone_from_embedding(
        body.embed, body.text, request_id=record.request_id, timings_s=record.stage_s
    )
    return clone_response(result, record, sample_rate_hz=body.sr, as_json=True)
