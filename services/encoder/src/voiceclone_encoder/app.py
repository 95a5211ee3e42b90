"""The encoder app factory: settings -> FastAPI app with model, batcher and routes.

Startup (lifespan): load the checkpoint strictly (a bad file stops the service with the
reason), start the batching thread, then warm up in the background: one real
preprocessing + forward pass. `/readyz` answers 503 until that pass has succeeded.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from voiceclone_common.app import install_plumbing
from voiceclone_common.threads import configure_torch_threads, limit_blas_threads

from voiceclone_encoder.api import embed, legacy
from voiceclone_encoder.api.admission import AudioSlots
from voiceclone_encoder.api.bodies import EXTRA_SCHEMAS
from voiceclone_encoder.batching import BatchMetrics, PartialBatcher
from voiceclone_encoder.config import Settings
from voiceclone_encoder.hparams import SAMPLE_RATE_HZ
from voiceclone_encoder.memory import release_free_memory, tune_malloc
from voiceclone_encoder.model import forward_heap_bytes, load_encoder, resolve_checkpoint
from voiceclone_encoder.pipeline import EncoderPipeline, Limits

logger = logging.getLogger("voiceclone_encoder")


def _warmup_signal() -> np.ndarray:
    """3 s of a voiced-speech-like signal (pitch pulses through formant-ish resonances).

    Only needs to pass the VAD so that the whole pipeline runs; not used as speech.
    """
    rng = np.random.default_rng(0)
    t = np.arange(3 * SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    pitch = 120 + 20 * np.sin(2 * np.pi * 3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE_HZ
    voiced = sum(np.sin(k * phase) / k for k in range(1, 30))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    noise = 0.01 * rng.standard_normal(len(t))
    return (0.1 * voiced * envelope + noise).astype(np.float32)


async def _warm_up(app: FastAPI, pipeline: EncoderPipeline) -> None:
    try:
        mels = np.zeros((2, 160, 40), dtype=np.float32)
        await pipeline.batcher.embed(mels)
        # A full pass with preprocessing too; the VAD may find no speech in the synthetic
        # signal, which is fine: the model pass above is the readiness criterion.
        try:
            await pipeline.embed(_warmup_signal(), SAMPLE_RATE_HZ)
        except Exception as exc:  # only the forward pass above is required
            logger.info("warm-up preprocessing pass skipped: %s", exc)
        release_free_memory()
        app.state.ready = True
        app.state.warmup_error = None
        logger.info("encoder warm-up finished; ready")
    except Exception as exc:
        app.state.warmup_error = f"warm-up forward pass failed: {exc}"
        logger.exception("encoder warm-up failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    tune_malloc()  # before the lifespan starts any thread

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limit_blas_threads()
        threads = configure_torch_threads(settings.torch_threads)
        path = resolve_checkpoint(settings.checkpoint, settings.models_dir)
        model = load_encoder(path)  # CheckpointError stops startup with the reason
        if settings.precision == "bf16":
            import torch

            model = model.to(torch.bfloat16)
        packed = model.pack_for_inference()
        logger.info("encoder weights %s (%s, %s, %d torch threads per model worker)",
                    path, settings.precision, "packed for oneDNN" if packed else "nn.LSTM",
                    threads)
        batcher = PartialBatcher(
            model,
            max_batch_partials=settings.max_batch_partials,
            max_queue_partials=settings.max_queue_partials,
            bf16=settings.precision == "bf16",
            metrics=BatchMetrics(app.state.metrics_registry),
            workers=settings.model_workers or os.cpu_count() or 1,
            heap_reserve_bytes=forward_heap_bytes(settings.max_batch_partials),
        )
        batcher.start()
        executor = ThreadPoolExecutor(settings.preprocess_workers, "encoder-preprocess")
        pipeline = EncoderPipeline(
            batcher, executor, Limits(settings.max_audio_s, settings.min_speech_s)
        )
        app.state.pipeline = pipeline
        app.state.checkpoint = str(path)
        warm_up = asyncio.create_task(_warm_up(app, pipeline))
        try:
            yield
        finally:
            warm_up.cancel()
            app.state.ready = False
            batcher.stop()
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="voiceclone encoder",
        version="0.1.0",
        summary="Audio -> 256-d GE2E speaker embedding (Real-Time-Voice-Cloning's encoder).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.pipeline = None
    app.state.warmup_error = None

    async def readiness() -> dict[str, str]:
        if app.state.ready:
            return {"model": "ok"}
        return {"model": app.state.warmup_error or "warm-up forward pass not finished"}

    install_plumbing(
        app, service="encoder", readiness=readiness, max_body_bytes=settings.max_body_bytes
    )
    # Requests holding audio at once: the memory bound (api/admission.py).
    app.state.audio_slots = AudioSlots(settings.ingress_limit, app.state.metrics_registry)
    app.include_router(legacy.router)
    app.include_router(embed.router)
    _document_hand_parsed_bodies(app)
    return app


def _document_hand_parsed_bodies(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(EXTRA_SCHEMAS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
