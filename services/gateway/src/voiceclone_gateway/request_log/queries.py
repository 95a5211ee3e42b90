"""Reads of the request log for operators (`GET /v1/requests`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voiceclone_gateway.db import Connection, Database, utc_timestamp
from voiceclone_gateway.request_log.record import COLUMNS


@dataclass(frozen=True)
class RequestFilter:
    """Every field is optional; set ones are ANDed. Times are UTC."""

    since: datetime | None = None
    until: datetime | None = None
    route: str | None = None
    method: str | None = None
    status: int | None = None
    min_status: int | None = None
    error_type: str | None = None
    api_key_id: str | None = None
    request_id: str | None = None
    client_addr: str | None = None
    limit: int = 100


def recent_requests(db: Database, conn: Connection, where: RequestFilter) -> list[dict[str, Any]]:
    """Rows matching `where`, newest first, as dicts of the log's columns."""
    clauses: list[str] = []
    params: list[Any] = []
    equal = {
        "route": where.route, "method": where.method and where.method.upper(),
        "status": where.status, "error_type": where.error_type,
        "api_key_id": where.api_key_id, "request_id": where.request_id,
        "client_addr": where.client_addr,
    }
    for column, value in equal.items():
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.min_status is not None:
        clauses.append("status >= ?")
        params.append(where.min_status)
    if where.since is not None:
        clauses.append("created_at >= ?")
        params.append(utc_timestamp(where.since))
    if where.until is not None:
        clauses.append("created_at < ?")
        params.append(utc_timestamp(where.until))
    sql = f"SELECT {', '.join(COLUMNS)} FROM {db.tables['request_log']}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY created_at DESC LIMIT ?"
    params.append(where.limit)
    rows = db.query(conn, sql, params)
    for row in rows:
        if isinstance(row["created_at"], datetime):  # MySQL DATETIME; SQLite has text
            row["created_at"] = row["created_at"].strftime("%Y-%m-%d %H:%M:%S.%f")
    return rows
