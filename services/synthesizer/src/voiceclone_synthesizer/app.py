"""The synthesizer app (:8002): `create_app(settings)` builds it; the lifespan loads the model.

Deployment modes (README, "Backends"):
- in-process (default): `load_backend` picks tacotron or default, loads it here, warms it
  up in the background; /readyz is 503 until the warm-up pass finished.
- split: `SYNTHESIZER_MODEL_URL` set (and backend not `default`): the text front end runs
  here and id batches go to the synthesizer-model server; /readyz asks that server.

A checkpoint that cannot be loaded stops the start-up with the reason (a service that
cannot synthesize must not look healthy).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from voiceclone_common.app import install_plumbing
from voiceclone_common.threads import configure_torch_threads

from voiceclone_synthesizer.api import inference
from voiceclone_synthesizer.backends import (
    SynthesizerBackend,
    load_backend,
    resolve_backend_name,
)
from voiceclone_synthesizer.clients.model_server import ModelServerClient
from voiceclone_synthesizer.config import Settings
from voiceclone_synthesizer.pipeline import PipelineOptions, Synthesis, SynthesisMetrics

logger = logging.getLogger(__name__)
SERVICE = "synthesizer"


def uses_model_server(settings: Settings) -> bool:
    return bool(settings.model_url) and settings.backend != "default"


def _options(settings: Settings) -> PipelineOptions:
    return PipelineOptions(
        max_chars=settings.max_chars,
        max_sentence_chars=settings.max_sentence_chars,
        batch_size=settings.batch_size,
        sentence_pause_s=settings.sentence_pause_s,
        max_queue=settings.max_queue,
    )


async def _warm_up(app: FastAPI, backend: SynthesizerBackend) -> None:
    try:
        await asyncio.to_thread(backend.warmup)
    except Exception as exc:  # a failed warm-up keeps /readyz at 503 with the reason
        logger.exception("synthesizer warm-up failed")
        app.state.warmup = f"warm-up failed: {exc}"
    else:
        app.state.warmup = "ok"


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    registry = app.state.metrics_registry
    remote: ModelServerClient | None = None
    warmup: asyncio.Task[None] | None = None
    if uses_model_server(settings):
        remote = ModelServerClient.create(settings.model_url, settings.model_timeout_s)
        metrics = SynthesisMetrics(registry, "tacotron-remote")
        app.state.synthesis = Synthesis(_options(settings), remote=remote, metrics=metrics)
        app.state.warmup = "ok"
        logger.info("synthesizer: forwarding /generate batches to %s", settings.model_url)
    else:
        configure_torch_threads(settings.torch_threads)
        name = resolve_backend_name(settings)
        logger.info("synthesizer: loading the %s backend", name)
        backend = await asyncio.to_thread(load_backend, settings)
        metrics = SynthesisMetrics(registry, backend.name)
        app.state.synthesis = Synthesis(_options(settings), backend=backend, metrics=metrics)
        app.state.warmup = "warming up"
        warmup = asyncio.create_task(_warm_up(app, backend))
    try:
        yield
    finally:
        if warmup is not None and not warmup.done():
            warmup.cancel()
        if remote is not None:
            await remote.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="voiceclone synthesizer",
        summary="Speaker embedding + text -> mel spectrogram (RTVC normalisation).",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.synthesis = None
    app.state.warmup = "not started"

    async def readiness() -> dict[str, str]:
        synthesis: Synthesis | None = app.state.synthesis
        if synthesis is None:
            return {"model": "not loaded"}
        if synthesis.remote is not None:
            return {"model_server": await synthesis.remote.ready()}
        return {"model": app.state.warmup}

    install_plumbing(
        app, service=SERVICE, readiness=readiness, max_body_bytes=settings.max_body_bytes
    )
    app.include_router(inference.router)
    return app
