"""`POST /inference` (and `/inference/`): mel spectrogram -> speech, JSON or WAV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response
from voiceclone_common.errors import NotReady
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.common import ErrorBody
from voiceclone_contracts.vocoder import VocodeRequest, VocodeResponse

from voiceclone_vocoder import audio
from voiceclone_vocoder.config import Settings
from voiceclone_vocoder.service import VocoderService

router = APIRouter(tags=["vocoder"])

WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave")


def _wants_wav(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return any(t in accept for t in WAV_TYPES)


@router.post(
    "/inference",
    response_model=VocodeResponse,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "JSON, or WAV when Accept asks"},
        422: {"model": ErrorBody},
        429: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
    summary="Vocode an 80 x T RTVC mel spectrogram",
)
async def inference(body: VocodeRequest, request: Request) -> Response:
    service: VocoderService = request.app.state.vocoder
    settings: Settings = request.app.state.settings
    if not service.ready:
        raise NotReady("the vocoder is still warming up", retry_after_s=2.0)
    audio.check_output_rate(body.sr, settings.min_output_sr, settings.max_output_sr)
    mel = audio.mel_from_rows(
        body.spec, min_frames=service.vocoder.min_frames, max_frames=settings.max_frames
    )
    seed = body.seed if body.seed is not None else settings.seed
    wav = await service.vocode(mel, seed)
    wav = audio.pad_silence(audio.resample(wav, body.sr), body.pad_seconds, body.sr)
    if _wants_wav(request):
        return Response(audio.wav_bytes(wav, body.sr), media_type="audio/wav")
    return JSONResponse({"wav": wav, "sr": body.sr, "backend": service.vocoder.name})


# The legacy documentation used a trailing slash; both paths are served (no redirect).
router.add_api_route(
    "/inference/", inference, methods=["POST"], include_in_schema=False,
    response_model=VocodeResponse,
)
