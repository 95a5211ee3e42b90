"""`GET /v1/requests`: the request log, newest first, for operators (admin key only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from voiceclone_common.errors import NotReady
from voiceclone_contracts.gateway import RequestLogEntry, RequestLogPage

from voiceclone_gateway.api.deps import AdminDep, StateDep
from voiceclone_gateway.db import DATABASE_ERRORS
from voiceclone_gateway.request_log.queries import RequestFilter, recent_requests

router = APIRouter(tags=["operators"])


@router.get("/v1/requests", response_model=RequestLogPage, summary="Recent requests")
async def list_requests(
    state: StateDep,
    _admin: AdminDep,
    since: Annotated[datetime | None, Query(description="UTC, ISO 8601")] = None,
    until: Annotated[datetime | None, Query(description="UTC, ISO 8601, exclusive")] = None,
    route: Annotated[str | None, Query(description="Route template, e.g. /v1/clone")] = None,
    method: str | None = None,
    status: int | None = None,
    min_status: Annotated[int | None, Query(description="e.g. 400 for every failure")] = None,
    error_type: str | None = None,
    api_key_id: str | None = None,
    request_id: str | None = None,
    client_addr: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RequestLogPage:
    where = RequestFilter(
        since=since, until=until, route=route, method=method, status=status,
        min_status=min_status, error_type=error_type, api_key_id=api_key_id,
        request_id=request_id, client_addr=client_addr, limit=limit,
    )
    try:
        rows = await state.db.run(lambda conn: recent_requests(state.db, conn, where))
    except DATABASE_ERRORS as exc:
        raise NotReady(
            f"the request-log database {state.db.describe()} is not available "
            f"({type(exc).__name__}: {exc})", retry_after_s=5,
        ) from exc
    return RequestLogPage(requests=[RequestLogEntry.model_validate(r) for r in rows])
