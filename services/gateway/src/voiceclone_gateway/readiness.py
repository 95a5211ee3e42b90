"""`/readyz` of the gateway: every configured upstream's `/readyz`, and the database.

Checks run concurrently with a short timeout each, so a hung upstream makes the gateway
report "not ready" quickly instead of hanging the probe.
"""

from __future__ import annotations

import asyncio

import anyio.to_thread
import httpx

from voiceclone_gateway.state import GatewayState


async def _upstream_ready(state: GatewayState, stage: str) -> str:
    url = state.upstreams.raw[stage].url("/readyz")
    try:
        response = await state.http.get(url, timeout=state.settings.readiness_timeout_s)
    except httpx.HTTPError as exc:
        return f"{url} unreachable ({type(exc).__name__})"
    if response.status_code != 200:
        return f"{url} answered HTTP {response.status_code}"
    return "ok"


async def _database_ready(state: GatewayState) -> str:
    try:
        async with asyncio.timeout(state.settings.readiness_timeout_s):
            await anyio.to_thread.run_sync(state.db.ping, abandon_on_cancel=True)
    except TimeoutError:
        return f"{state.db.describe()} did not answer in {state.settings.readiness_timeout_s} s"
    except Exception as exc:  # any failure of the driver means: not ready
        return f"{state.db.describe()} unavailable ({type(exc).__name__}: {exc})"
    return "ok"


async def readiness(state: GatewayState) -> dict[str, str]:
    stages = [s.strip() for s in state.settings.ready_upstreams.split(",") if s.strip()]
    checks = [_upstream_ready(state, stage) for stage in stages]
    names = list(stages)
    if state.settings.ready_requires_database:
        checks.append(_database_ready(state))
        names.append("database")
    return dict(zip(names, await asyncio.gather(*checks), strict=True))
