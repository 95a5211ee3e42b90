"""The plumbing every app factory applies: errors, metrics, body limit, health."""

from __future__ import annotations

from fastapi import FastAPI

from voiceclone_common.access_log import quiet_probe_access_log
from voiceclone_common.errors import install_error_handlers
from voiceclone_common.health import ReadinessProbe, health_router
from voiceclone_common.limits import BodySizeLimit
from voiceclone_common.metrics import HttpMetrics, install_metrics


def install_plumbing(
    app: FastAPI, *, service: str, readiness: ReadinessProbe, max_body_bytes: int
) -> HttpMetrics:
    install_error_handlers(app)
    quiet_probe_access_log()
    metrics = install_metrics(app, service)
    app.include_router(health_router(readiness))
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes)
    return metrics
