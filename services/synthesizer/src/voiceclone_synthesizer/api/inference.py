"""`POST /inference` (and `/inference/`): {"embed": [256], "text"} -> {"spec": 80 x T}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from voiceclone_common.errors import NotReady
from voiceclone_common.jsonio import JSONResponse
from voiceclone_contracts.common import ErrorBody
from voiceclone_contracts.synthesizer import SynthesizeRequest, SynthesizeResponse

from voiceclone_synthesizer.pipeline import Synthesis

router = APIRouter(tags=["synthesizer"])

_ERRORS = {
    422: {"model": ErrorBody, "description": "Bad embedding or text (empty, too long)."},
    429: {"model": ErrorBody, "description": "Too many requests queued."},
    503: {"model": ErrorBody, "description": "Model not loaded or model server down."},
}


def _synthesis(request: Request) -> Synthesis:
    synthesis: Synthesis | None = getattr(request.app.state, "synthesis", None)
    if synthesis is None:
        reason = getattr(request.app.state, "startup_error", None) or "still loading"
        raise NotReady(f"synthesizer model not available: {reason}", retry_after_s=5)
    return synthesis


@router.post(
    "/inference",
    response_model=SynthesizeResponse,
    responses=_ERRORS,
    summary="Embedding + text -> mel spectrogram (80 x T, RTVC normalisation)",
)
@router.post("/inference/", include_in_schema=False)
async def inference(body: SynthesizeRequest, request: Request) -> JSONResponse:
    """Unnormalised embeddings are scaled to unit length; an all-zero one is rejected."""
    mel = await _synthesis(request).synthesize(body.text, body.embed)
    return JSONResponse({"spec": mel})
