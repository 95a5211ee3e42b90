"""The gateway's app factory: `create_app(settings)`; the lifespan opens the shared
HTTP client and the request log, and closes both on exit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import httpx
from fastapi import FastAPI
from voiceclone_common.app import install_plumbing

from voiceclone_gateway.access import KeyRing, RateLimiter
from voiceclone_gateway.api import (
    clone,
    legacy,
    openai_speech,
    passthrough,
    requests,
    streaming,
    voices,
    web,
)
from voiceclone_gateway.clients import Upstreams
from voiceclone_gateway.clients.http_client import upstream_http_client
from voiceclone_gateway.config import Settings
from voiceclone_gateway.db import DATABASE_ERRORS, Database
from voiceclone_gateway.metrics import GatewayMetrics
from voiceclone_gateway.pipeline import ClonePipeline, Limits
from voiceclone_gateway.readiness import readiness
from voiceclone_gateway.request_log.middleware import RequestLogMiddleware
from voiceclone_gateway.request_log.record import RequestRecord
from voiceclone_gateway.request_log.spill import SpillFile
from voiceclone_gateway.request_log.writer import RequestLogWriter
from voiceclone_gateway.state import GatewayState

logger = logging.getLogger(__name__)

ROUTERS = (legacy.router, clone.router, requests.router, passthrough.router,
           voices.router, openai_speech.router, streaming.router)


def create_app(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The gateway. `transport` replaces the network for the upstream calls (tests)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.gateway = state = await _open(app, settings, transport)
        try:
            yield
        finally:
            await state.http.aclose()
            await anyio.to_thread.run_sync(state.log_writer.close)

    app = FastAPI(title="voiceclone gateway", version="0.1.0", lifespan=lifespan,
                  summary="Voice + text -> speech, over the encoder, synthesizer and vocoder.")

    async def ready() -> dict[str, str]:
        return await readiness(app.state.gateway)

    metrics = GatewayMetrics(install_plumbing(
        app, service="gateway", readiness=ready, max_body_bytes=settings.max_body_bytes
    ).registry)
    app.state.gateway_metrics = metrics
    for router in ROUTERS:
        app.include_router(router)
    web.install_web(app)

    def finish(record: RequestRecord) -> None:
        state: GatewayState | None = getattr(app.state, "gateway", None)
        if state is not None:
            state.log_writer.submit(record.to_row(keep_text=settings.log_text))

    # Outermost, so that it records every request, the body limit's 413s included.
    app.add_middleware(RequestLogMiddleware, on_finish=finish)
    return app


async def _open(
    app: FastAPI, settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> GatewayState:
    metrics: GatewayMetrics = app.state.gateway_metrics
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url(), table_prefix=settings.db_table_prefix,
                  timeout_s=settings.db_timeout_s)
    try:  # now, so that routes find their tables; if the database is down, the writer
        await anyio.to_thread.run_sync(db.migrate)  # migrates when it comes back
    except DATABASE_ERRORS as exc:
        logger.warning("database %s unavailable at start (%s); request-log rows are kept "
                       "until it answers", db.describe(), exc)
    writer = RequestLogWriter(
        db, SpillFile(settings.resolved_spill_path()),
        buffer_rows=settings.log_buffer_rows, batch_rows=settings.log_batch_rows,
        flush_interval_s=settings.log_flush_interval_s, retry_max_s=settings.log_retry_max_s,
        observe=metrics.observe_log,
    )
    metrics.track_buffer(lambda: writer.buffered)
    writer.start()
    http = upstream_http_client(
        max_connections=settings.max_upstream_connections,
        keepalive_s=settings.upstream_keepalive_s,
        connect_timeout_s=settings.connect_timeout_s,
        read_timeout_s=settings.encoder_timeout_s, transport=transport,
    )
    upstreams = Upstreams.build(http, settings, observe=metrics.observe_stage)
    limits = Limits(max_text_chars=settings.max_text_chars,
                    max_audio_seconds=settings.max_audio_seconds,
                    max_chars_per_call=settings.max_chars_per_call,
                    vocoder_max_frames=settings.vocoder_max_frames)
    return GatewayState(
        settings=settings, http=http, upstreams=upstreams,
        pipeline=ClonePipeline(upstreams, limits, self_check=settings.self_check),
        db=db, log_writer=writer,
        keys=KeyRing(settings.api_keys, settings.admin_key),
        rate_limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
        metrics=metrics,
    )
