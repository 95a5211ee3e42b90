"""Stored voices: `POST/GET /v1/voices`, `GET/DELETE /v1/voices/{voice}`.

A voice is made from one or more samples (multipart files `samples`, or JSON
`{"name", "samples": [{"wav", "sr"}]}`) by the encoder's speaker endpoint, and belongs
to the API key that created it. `{voice}` is a voice id or name.
"""

from __future__ import annotations

import re

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from voiceclone_common.errors import BadInput, PayloadTooLarge, UnsupportedMediaType
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.encoder import EmbedResponse
from voiceclone_contracts.voices import (
    VOICE_NAME_PATTERN,
    Voice,
    VoiceCreateRequest,
    VoiceList,
    VoiceSample,
)

from voiceclone_gateway.access import Caller
from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.audio import decode_audio_file
from voiceclone_gateway.clients.errors import invalid_response
from voiceclone_gateway.request_log.record import record_of
from voiceclone_gateway.state import GatewayState
from voiceclone_gateway.voices import ANONYMOUS_OWNER, StoredVoice, VoiceStore

router = APIRouter(prefix="/v1/voices", tags=["voices"])

MAX_SAMPLES = 16
# The encoder's route that turns several utterances of one person into one embedding.
SPEAKER_PATH = "/embed/speaker"


def owner_of(caller: Caller) -> str:
    return caller.key_id or ANONYMOUS_OWNER


def store_of(state: GatewayState) -> VoiceStore:
    return VoiceStore(state.db)


async def _samples_from_form(request: Request) -> tuple[str, list[VoiceSample]]:
    form = await request.form(max_files=MAX_SAMPLES, max_fields=8)
    name = form.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("give the voice a name: form field 'name'")
    uploads = [v for key in ("samples", "sample", "voice", "file")
               for v in form.getlist(key) if isinstance(v, UploadFile)]
    if not uploads:
        raise BadInput("attach one or more audio files as form field 'samples'")
    samples = []
    for upload in uploads:
        wav, sr = decode_audio_file(await upload.read())
        samples.append(VoiceSample.model_construct(wav=wav, sr=sr))
    return name, samples


async def _parse_create(request: Request) -> tuple[str, list[VoiceSample]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return await _samples_from_form(request)
    if content_type.startswith("application/json"):
        try:
            body = VoiceCreateRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BadInput(f"{where}: {first['msg']}") from exc
        return body.name, body.samples
    raise UnsupportedMediaType(
        "send multipart/form-data (name + samples files) or application/json "
        '({"name", "samples": [{"wav", "sr"}]})'
    )


async def embed_speaker(state: GatewayState, samples: list[VoiceSample],
                        request_id: str) -> EmbedResponse:
    """The encoder's speaker embedding of several utterances of one person."""
    limit_s = state.pipeline.limits.max_audio_seconds
    for index, sample in enumerate(samples):
        seconds = len(sample.wav) / sample.sr
        if seconds > limit_s:
            raise PayloadTooLarge(
                f"sample {index + 1} is {seconds:.1f} s long; the limit is {limit_s:g} s "
                "(GATEWAY_MAX_AUDIO_SECONDS)"
            )
    body = orjson.dumps(
        {"utterances": [{"wav": s.wav, "sr": s.sr} for s in samples]},
        option=orjson.OPT_SERIALIZE_NUMPY,
    )
    content = await state.upstreams.raw["encoder"].post_json(SPEAKER_PATH, body,
                                                             request_id=request_id)
    try:
        return EmbedResponse.model_validate_json(content)
    except ValidationError as exc:
        raise invalid_response("encoder", str(exc).splitlines()[0]) from exc


@router.post("", status_code=201, response_model=Voice, summary="Store a voice")
async def create_voice(request: Request, state: StateDep, caller: CallerDep) -> JSONResponse:
    name, samples = await _parse_create(request)
    if not re.fullmatch(VOICE_NAME_PATTERN, name.strip()):
        raise BadInput(f"name {name!r}: use 1-64 letters, digits, spaces and . ' - _")
    record = record_of(request)
    record.input_audio_s = round(sum(len(s.wav) / s.sr for s in samples), 3)
    embedded = await embed_speaker(state, samples, record.request_id)
    voice = await store_of(state).create(
        owner_of(caller), name, embedded.embed, samples=len(samples),
        speech_seconds=embedded.speech_seconds,
    )
    return JSONResponse(voice.public().model_dump(mode="json"), status_code=201,
                        headers={"Location": f"/v1/voices/{voice.voice_id}"})


@router.get("", response_model=VoiceList, summary="Your stored voices")
async def list_voices(state: StateDep, caller: CallerDep) -> JSONResponse:
    voices = await store_of(state).list(owner_of(caller))
    return JSONResponse(VoiceList(voices=[v.public() for v in voices]).model_dump(mode="json"))


@router.get("/{voice}", response_model=Voice, summary="One voice, with its embedding")
async def get_voice(voice: str, state: StateDep, caller: CallerDep) -> JSONResponse:
    found = await store_of(state).get(owner_of(caller), voice)
    return JSONResponse(found.public(with_embed=True).model_dump(mode="json"))


@router.delete("/{voice}", status_code=204, summary="Delete a voice")
async def delete_voice(voice: str, state: StateDep, caller: CallerDep) -> Response:
    await store_of(state).delete(owner_of(caller), voice)
    return Response(status_code=204)


async def resolve_voice(state: GatewayState, caller: Caller, voice: str) -> StoredVoice:
    """The caller's stored voice by id or name (404 for anyone else's)."""
    return await store_of(state).get(owner_of(caller), voice)

