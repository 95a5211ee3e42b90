"""Run one service under uvicorn: `python -m <service> ` calls `serve`."""

from __future__ import annotations

import uvicorn

from voiceclone_common.settings import ServiceSettings
from voiceclone_common.threads import limit_blas_threads


def serve(factory_path: str, settings: ServiceSettings) -> None:
    """Start uvicorn with an app factory given as "package.module:create_app"."""
    limit_blas_threads()
    uvicorn.run(
        factory_path,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
    )
