"""`/livez`, `/readyz` and the legacy `/check`.

`/readyz` asks a callable the service provides; it answers 503 with the reason of every
failed check until they all pass (a model that has not finished its warm-up forward pass,
an upstream that is down, a database that does not answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from voiceclone_contracts.common import CHECK_MESSAGE, HealthStatus, ReadinessBody

from voiceclone_common.jsonio import JSONResponse

# Returns {check name: "ok" or the reason it failed}.
ReadinessProbe = Callable[[], Awaitable[dict[str, str]]]


def health_router(readiness: ReadinessProbe) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/livez", response_model=HealthStatus)
    async def livez() -> HealthStatus:
        return HealthStatus(status="ok")

    @router.get("/readyz", response_model=ReadinessBody, responses={503: {"model": ReadinessBody}})
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(v == "ok" for v in checks.values())
        body = ReadinessBody(status="ok" if ready else "unavailable", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @router.get("/check", response_model=str, summary="Legacy liveness check")
    async def check() -> str:
        return CHECK_MESSAGE

    return router
