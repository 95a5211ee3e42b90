"""The original encoder API: `/inference` and `/preprocess` (with and without a slash).

Plain JSON responses (the original double-encoded them into a JSON string).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.common import ErrorBody
from voiceclone_contracts.encoder import (
    EmbedResponse,
    InferenceRequest,
    PreprocessResponse,
    WavRequest,
)

from voiceclone_encoder.api.admission import audio_slot
from voiceclone_encoder.api.bodies import check_json_content_type, openapi_body, read_wav_body
from voiceclone_encoder.api.deps import Pipeline
from voiceclone_encoder.hparams import SAMPLE_RATE_HZ

router = APIRouter(tags=["legacy"])

ERRORS = {
    413: {"model": ErrorBody, "description": "Body or audio duration over the limit."},
    415: {"model": ErrorBody, "description": "Not a JSON body."},
    422: {"model": ErrorBody, "description": "Invalid samples, rate, silence, too little speech."},
    429: {"model": ErrorBody, "description": "Queue full; retry after Retry-After seconds."},
    503: {"model": ErrorBody, "description": "Model still warming up."},
}
_EXAMPLE = {"wav": [0.0, 0.01, -0.02], "sr": 16000}


async def _inference(request: Request, pipeline: Pipeline) -> JSONResponse:
    check_json_content_type(request)
    async with audio_slot(request):
        wav, sr, return_partials = await read_wav_body(request, pipeline)
        prepared = await pipeline.prepare(wav, sr)
        del wav  # only the mels wait for the LSTM (peak RSS with many clients)
        pending = await pipeline.enqueue(prepared)
    result = await pending
    content: dict[str, object] = {"embed": result.embed}
    if return_partials:
        content["partials"] = result.partials
        content["speech_seconds"] = round(result.speech_seconds, 3)
    return JSONResponse(content)


async def _preprocess(request: Request, pipeline: Pipeline) -> JSONResponse:
    check_json_content_type(request)
    async with audio_slot(request):
        wav, sr, _ = await read_wav_body(request, pipeline)
        speech = await pipeline.preprocess(wav, sr)
        del wav
        return JSONResponse({"wav": speech, "sr": SAMPLE_RATE_HZ})  # rendered in the slot


for path in ("/inference", "/inference/"):
    router.add_api_route(
        path, _inference, methods=["POST"], response_model=EmbedResponse,
        response_model_exclude_none=True, responses=ERRORS, include_in_schema=path == "/inference",
        summary="Embed an utterance (legacy JSON contract)",
        description="`{\"wav\": [floats], \"sr\": int}` -> `{\"embed\": [256 floats]}`: "
        "resampled from `sr` to 16 kHz, volume-normalised, silence-trimmed, then the mean "
        "of the 1.6 s partial embeddings, L2-normalised. `return_partials: true` adds the "
        "per-window embeddings and the seconds of speech used. Also served at `/inference/`.",
        openapi_extra=openapi_body(InferenceRequest, _EXAMPLE),
    )

for path in ("/preprocess", "/preprocess/"):
    router.add_api_route(
        path, _preprocess, methods=["POST"], response_model=PreprocessResponse,
        responses=ERRORS, include_in_schema=path == "/preprocess",
        summary="The encoder's preprocessing alone (legacy)",
        description="Resample to 16 kHz, normalise volume to -30 dBFS (increase only), cut "
        "silences longer than 180 ms. Also served at `/preprocess/`.",
        openapi_extra=openapi_body(WavRequest, _EXAMPLE),
    )
