"""The vocoder app factory: settings, backend, plumbing, routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from voiceclone_common.app import install_plumbing
from voiceclone_common.threads import configure_torch_threads

from voiceclone_vocoder.api.inference import router as inference_router
from voiceclone_vocoder.backends import load_vocoder
from voiceclone_vocoder.config import Settings
from voiceclone_vocoder.service import VocoderService

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_torch_threads(settings.torch_threads)
        # A bad checkpoint raises CheckpointError here: startup fails with its message.
        vocoder = load_vocoder(settings)
        app.state.vocoder = VocoderService(
            vocoder, app.state.metrics_registry, max_queue=settings.max_queue
        )
        warm_up = asyncio.create_task(asyncio.to_thread(app.state.vocoder.warm_up))
        app.state.warm_up = warm_up
        try:
            yield
        finally:
            warm_up.cancel()

    app = FastAPI(
        title="voiceclone vocoder",
        summary="RTVC mel spectrogram -> 16 kHz speech (Griffin-Lim or WaveRNN)",
        lifespan=lifespan,
    )
    app.state.settings = settings

    async def readiness() -> dict[str, str]:
        service: VocoderService | None = getattr(app.state, "vocoder", None)
        if service is None:
            return {"model": "not loaded"}
        if not service.ready:
            task = getattr(app.state, "warm_up", None)
            if task is not None and task.done() and task.exception() is not None:
                return {"model": f"warm-up failed: {task.exception()}"}
            return {"model": "warming up"}
        return {"model": "ok"}

    install_plumbing(
        app, service="vocoder", readiness=readiness, max_body_bytes=settings.max_body_bytes
    )
    app.include_router(inference_router)
    return app
