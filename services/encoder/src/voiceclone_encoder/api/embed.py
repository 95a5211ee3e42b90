"""Embeddings beyond the legacy contract: files, raw audio, batches, speakers, similarity."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import numpy as np
from fastapi import APIRouter, Query, Request
from voiceclone_common import jsonfast
from voiceclone_common.errors import BadInput, UnsupportedMediaType
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.common import EMBEDDING_SIZE
from voiceclone_contracts.encoder import (
    BatchRequest,
    BatchResponse,
    EmbedResponse,
    SimilarityRequest,
    SimilarityResponse,
    SpeakerRequest,
)

from voiceclone_encoder.api.admission import audio_slot
from voiceclone_encoder.api.bodies import (
    JsonBody,
    check_json_content_type,
    openapi_body,
    parse_items,
    parse_json,
    read_and_parse,
    read_body,
    read_form_file,
    wav_item,
)
from voiceclone_encoder.api.deps import AppSettings, Pipeline
from voiceclone_encoder.api.legacy import ERRORS
from voiceclone_encoder.decode import AUDIO_CONTENT_TYPES, SUPPORTED_FORMATS, decode_audio
from voiceclone_encoder.pipeline import Prepared, UtteranceEmbedding, speaker_embedding

router = APIRouter(tags=["embeddings"])
FILE_ERRORS = {**ERRORS, 415: {"model": ERRORS[415]["model"],
                               "description": f"Not an audio file ({SUPPORTED_FORMATS})."}}
_PARTIALS = Query(False, description="Also return the embedding of every 1.6 s window.")


def _embed_content(result: UtteranceEmbedding, return_partials: bool) -> dict[str, object]:
    content: dict[str, object] = {
        "embed": result.embed, "speech_seconds": round(result.speech_seconds, 3)
    }
    if return_partials:
        content["partials"] = result.partials
    return content


async def _embed_file_bytes(
    data: bytes | bytearray, pipeline: Pipeline, settings: AppSettings
) -> Prepared:
    wav, sr = await pipeline.run_in_pool(decode_audio, bytes(data), settings.max_audio_s)
    del data
    return await pipeline.prepare(wav, sr, field="audio")


@router.post(
    "/embed/file", response_model=EmbedResponse, responses=FILE_ERRORS,
    summary="Embed an uploaded audio file (multipart)",
    description=f"Form field `file`: {SUPPORTED_FORMATS}, any rate 8-192 kHz; multi-channel "
    "audio is mixed to mono.",
    # The form is parsed inside the audio slot (not by the framework before the handler
    # runs, when every concurrent upload was in memory at once), so it is documented here.
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary"}}}}}}},
)
async def embed_file(
    request: Request, pipeline: Pipeline, settings: AppSettings,
    return_partials: bool = _PARTIALS,
) -> JSONResponse:
    async with audio_slot(request):
        data = await read_form_file(request, "file")
        prepared = await _embed_file_bytes(data, pipeline, settings)
        del data
        pending = await pipeline.enqueue(prepared)
    result = await pending
    return JSONResponse(_embed_content(result, return_partials))


@router.post(
    "/embed/audio", response_model=EmbedResponse, responses=FILE_ERRORS,
    summary="Embed a raw audio body",
    description="The body is the file itself, e.g. `Content-Type: audio/wav` (also "
    "audio/flac, audio/ogg, audio/mpeg, application/octet-stream).",
    openapi_extra={"requestBody": {"required": True, "content": {
        t: {"schema": {"type": "string", "format": "binary"}}
        for t in ("audio/wav", "audio/flac", "audio/ogg", "audio/mpeg")}}},
)
async def embed_audio(
    request: Request, pipeline: Pipeline, settings: AppSettings,
    return_partials: bool = _PARTIALS,
) -> JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in AUDIO_CONTENT_TYPES:
        raise UnsupportedMediaType(
            f"send the audio file as the body with an audio Content-Type "
            f"(audio/wav, audio/flac, audio/ogg, audio/mpeg), got {media_type or 'none'}; "
            "JSON samples go to /inference"
        )
    async with audio_slot(request):
        prepared = await _embed_file_bytes(await read_body(request), pipeline, settings)
        pending = await pipeline.enqueue(prepared)
    result = await pending
    return JSONResponse(_embed_content(result, return_partials))


@router.post(
    "/embed/batch", response_model=BatchResponse, responses=ERRORS,
    summary="Many utterances, one embedding each",
    description="All windows of all items go through the model together. Items are not "
    "averaged: `embeds[i]` belongs to `items[i]`.",
    openapi_extra=openapi_body(BatchRequest),
)
async def embed_batch(request: Request, pipeline: Pipeline, settings: AppSettings) -> JSONResponse:
    check_json_content_type(request)
    async with audio_slot(request):
        items = await read_and_parse(
            request, pipeline, parse_items, "items", settings.max_batch_items
        )
        prepared = await pipeline.prepare_many(items)
        del items
        pending = await pipeline.enqueue_many(prepared)
    results = await pending
    return JSONResponse({"embeds": np.stack([r.embed for r in results])})


@router.post(
    "/embed/speaker", response_model=EmbedResponse, responses=ERRORS,
    summary="One speaker embedding from several utterances of one person",
    description="The L2-normalised mean of the utterance embeddings (Resemblyzer's "
    "`embed_speaker`). `speech_seconds` is the total speech used.",
    openapi_extra=openapi_body(SpeakerRequest),
)
async def embed_speaker(
    request: Request, pipeline: Pipeline, settings: AppSettings
) -> JSONResponse:
    check_json_content_type(request)
    async with audio_slot(request):
        items = await read_and_parse(
            request, pipeline, parse_items, "utterances", settings.max_batch_items
        )
        prepared = await pipeline.prepare_many(items, "utterances")
        del items
        pending = await pipeline.enqueue_many(prepared)
    embed, seconds = speaker_embedding(await pending)
    return JSONResponse({"embed": embed, "speech_seconds": round(seconds, 3)})


async def _voice(
    body_data: dict, name: str, body: JsonBody, pipeline: Pipeline
) -> np.ndarray | Prepared:
    """Voice `name` as a unit embedding given by the caller, or as mels still to embed."""
    audio, embed = body_data.get(name), body_data.get(f"embed_{name}")
    if (audio is None) == (embed is None):
        raise BadInput(f"give voice {name} either as '{name}' ({{'wav', 'sr'}}) or as "
                       f"'embed_{name}' ({EMBEDDING_SIZE} floats), exactly one of them")
    if embed is not None:
        vector = jsonfast.float_array(embed, f"embed_{name}", check_booleans=False)
        if vector.shape != (EMBEDDING_SIZE,):
            raise BadInput(f"embed_{name} must have {EMBEDDING_SIZE} values, got {len(vector)}")
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            raise BadInput(f"embed_{name} is all zeros: not an embedding")
        return vector / norm
    wav, sr = wav_item(audio, body, f"{name}.")
    return await pipeline.prepare(wav, sr, field=f"{name}.wav")


async def _queued(voice: np.ndarray | Prepared, pipeline: Pipeline) -> Awaitable[np.ndarray]:
    """A given embedding as it is; audio queued for the model."""
    if not isinstance(voice, Prepared):
        return _given(voice)
    return _embed_of(await pipeline.enqueue(voice))


async def _given(vector: np.ndarray) -> np.ndarray:
    return vector


async def _embed_of(pending: Awaitable[UtteranceEmbedding]) -> np.ndarray:
    return (await pending).embed


@router.post(
    "/similarity", response_model=SimilarityResponse, responses=ERRORS,
    summary="Cosine similarity of two voices and a same-speaker decision",
    description="Each voice is given as audio (`a`/`b`: `{wav, sr}`) or as an embedding "
    "(`embed_a`/`embed_b`). `same_speaker` is `cosine >= threshold`; the threshold "
    "(ENCODER_SAME_SPEAKER_THRESHOLD) and how it was chosen are in the README.",
    openapi_extra=openapi_body(SimilarityRequest),
)
async def similarity(request: Request, pipeline: Pipeline, settings: AppSettings) -> JSONResponse:
    check_json_content_type(request)
    async with audio_slot(request):
        body = await read_and_parse(request, pipeline, parse_json)
        voice_a = await _voice(body.data, "a", body, pipeline)
        voice_b = await _voice(body.data, "b", body, pipeline)
        del body
        pending_a = await _queued(voice_a, pipeline)
        pending_b = await _queued(voice_b, pipeline)
    a, b = await asyncio.gather(pending_a, pending_b)
    cosine = float(np.clip(np.dot(a, b), -1.0, 1.0))
    threshold = settings.same_speaker_threshold
    return JSONResponse(
        {"cosine": cosine, "same_speaker": cosine >= threshold, "threshold": threshold}
    )
