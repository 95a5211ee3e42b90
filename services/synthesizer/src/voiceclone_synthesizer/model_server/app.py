"""The synthesizer-model app: Tacotron loaded once in the lifespan, `/generate` on ids."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import numpy as np
from fastapi import FastAPI, Request
from voiceclone_common.app import install_plumbing
from voiceclone_common.errors import BadInput, NotReady
from voiceclone_common.jsonio import JSONResponse
from voiceclone_common.threads import configure_torch_threads
from voiceclone_contracts.common import ErrorBody
from voiceclone_contracts.synthesizer import GenerateRequest, GenerateResponse

from voiceclone_synthesizer.backends.tacotron import TacotronBackend
from voiceclone_synthesizer.config import ModelServerSettings
from voiceclone_synthesizer.embeddings import normalise_embeddings
from voiceclone_synthesizer.text.symbols import SYMBOLS

logger = logging.getLogger(__name__)
SERVICE = "synthesizer-model"


def validate_batch(body: GenerateRequest, settings: ModelServerSettings) -> list[list[int]]:
    """The id rows with trailing padding removed; BadInput naming the first problem."""
    chars, embeds = body.chars, body.batched_embeds
    if len(chars) != len(embeds):
        raise BadInput(f"chars has {len(chars)} rows but batched_embeds has {len(embeds)}")
    if len(chars) > settings.max_batch:
        raise BadInput(
            f"batch of {len(chars)} is larger than {settings.max_batch} "
            "(SYNTHESIZER_MODEL_MAX_BATCH): split it"
        )
    rows: list[list[int]] = []
    for index, row in enumerate(chars):
        if len(row) > settings.max_ids:
            raise BadInput(f"chars row {index} has {len(row)} ids, over {settings.max_ids}")
        bad = next((i for i in row if not 0 <= i < len(SYMBOLS)), None)
        if bad is not None:
            raise BadInput(f"chars row {index} has id {bad}; ids are 0..{len(SYMBOLS) - 1}")
        if not any(row):
            raise BadInput(f"chars row {index} is empty (only padding)")
        rows.append(row)
    return rows


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ModelServerSettings = app.state.settings
    configure_torch_threads(settings.torch_threads)
    checkpoint = settings.tacotron_checkpoint()
    if not checkpoint.is_file():
        # Start anyway (the file may be copied in later: restart then) and say why on
        # every call. A file that is there but unreadable stops the start instead.
        app.state.problem = (
            f"Tacotron checkpoint not found at {checkpoint}: put RTVC's synthesizer.pt "
            "there (MODELS_DIR or SYNTHESIZER_MODEL_CHECKPOINT) and restart"
        )
        logger.error("synthesizer-model: %s", app.state.problem)
        yield
        return
    backend = await asyncio.to_thread(TacotronBackend.from_settings, settings)
    app.state.problem = "warming up"
    await asyncio.to_thread(backend.warmup)
    app.state.backend = backend
    app.state.problem = None
    yield


def create_app(settings: ModelServerSettings | None = None) -> FastAPI:
    settings = settings or ModelServerSettings()
    app = FastAPI(
        title="voiceclone synthesizer-model",
        summary="Tacotron on symbol-id batches: the split-off half of the synthesizer.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.backend = None
    app.state.problem = "not loaded"

    async def readiness() -> dict[str, str]:
        return {"model": app.state.problem or "ok"}

    install_plumbing(
        app, service=SERVICE, readiness=readiness, max_body_bytes=settings.max_body_bytes
    )

    async def generate(body: GenerateRequest, request: Request) -> JSONResponse:
        backend: TacotronBackend | None = request.app.state.backend
        if backend is None:
            raise NotReady(
                f"Tacotron model not available: {request.app.state.problem}", retry_after_s=30
            )
        rows = validate_batch(body, settings)
        embeds = normalise_embeddings(body.batched_embeds)
        if embeds.shape[1] != backend.speaker_embedding_size:
            raise BadInput(
                f"embeddings have {embeds.shape[1]} values; the model takes "
                f"{backend.speaker_embedding_size}"
            )
        batch = await asyncio.to_thread(backend.generate_batch, rows, embeds)
        return JSONResponse(np.ascontiguousarray(batch))

    responses = {
        422: {"model": ErrorBody, "description": "Bad ids or embeddings."},
        503: {"model": ErrorBody, "description": "No Tacotron checkpoint loaded."},
    }
    summary = "Id batch + embeddings -> B x 80 x T mels (untrimmed)"
    app.add_api_route(
        "/generate", generate, methods=["POST"], response_model=GenerateResponse,
        responses=responses, summary=summary, tags=["synthesizer-model"],
    )
    # Old clients send GET with a JSON body; kept, but not advertised.
    app.add_api_route("/generate", generate, methods=["GET"], include_in_schema=False)
    return app
