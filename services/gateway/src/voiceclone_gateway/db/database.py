"""The gateway's database: connections, schema migration, small query helpers.

Blocking DB-API drivers (sqlite3, pymysql) run in worker threads: the request-log
writer has its own thread; routes call `Database.run` (a thread from anyio's pool).
Each call opens its own connection: traffic here is a few admin reads, and a
connection never outlives a database restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio.to_thread

from voiceclone_gateway.db.dialect import Connection, DatabaseUrl, is_already_exists
from voiceclone_gateway.db.migrations import MIGRATIONS, TABLES, Migration

logger = logging.getLogger(__name__)
T = TypeVar("T")


def utc_timestamp(when: datetime | None = None) -> str:
    """A UTC time as both dialects store and sort it: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:  # naive times are taken as UTC, not as local time
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Database:
    def __init__(self, url: str, *, table_prefix: str = "", timeout_s: float = 5.0) -> None:
        self.url = DatabaseUrl.parse(url)
        self.dialect = self.url.dialect
        self.timeout_s = timeout_s
        self.tables = {name: f"{table_prefix}{name}" for name in TABLES}

    def describe(self) -> str:
        return self.url.describe()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        conn = self.url.connect(self.timeout_s)
        try:
            yield conn
        finally:
            conn.close()

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn(connection)` in a worker thread with a fresh connection."""

        def call() -> T:
            with self.connect() as conn:
                return fn(conn)

        return await anyio.to_thread.run_sync(call)

    def query(self, conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        """Rows of a SELECT as dicts; `sql` uses `?` placeholders."""
        cursor = conn.cursor()
        try:
            cursor.execute(self.dialect.sql(sql), tuple(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def ping(self) -> None:
        with self.connect() as conn:
            self.query(conn, "SELECT 1 AS ok")

    # -- schema ---------------------------------------------------------------------

    def schema_version(self, conn: Connection) -> int:
        self._execute(conn, self.dialect.ddl(
            "CREATE TABLE IF NOT EXISTS {schema_migrations} (version {int} NOT NULL PRIMARY"
            " KEY, description {str255} NOT NULL, applied_at {timestamp} NOT NULL)",
            **self.tables,
        ))
        conn.commit()
        rows = self.query(conn, f"SELECT MAX(version) AS v FROM {self.tables['schema_migrations']}")
        return int(rows[0]["v"] or 0)

    def migrate(self, conn: Connection | None = None) -> int:
        """Apply every migration newer than the database's version; return the version."""
        if conn is None:
            with self.connect() as own:
                return self.migrate(own)
        if self.dialect.name == "sqlite":
            self._execute(conn, "PRAGMA journal_mode=WAL")  # readers don't block the writer
        version = self.schema_version(conn)
        for migration in MIGRATIONS:
            if migration.version > version:
                self._apply(conn, migration)
                version = migration.version
        return version

    def _apply(self, conn: Connection, migration: Migration) -> None:
        logger.info("database %s: migration %d (%s)", self.describe(), migration.version,
                    migration.description)
        for statement in migration.statements:
            try:
                self._execute(conn, self.dialect.ddl(statement, **self.tables))
            except Exception as exc:
                if not is_already_exists(self.dialect, exc):
                    raise
        # Two gateways migrating at once: the second one's version row is a no-op.
        self._execute(
            conn,
            self.dialect.sql(
                f"{self.dialect.insert_ignore} {self.tables['schema_migrations']} "
                "(version, description, applied_at) VALUES (?, ?, ?)"
            ),
            (migration.version, migration.description, utc_timestamp()),
        )
        conn.commit()

    @staticmethod
    def _execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> None:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, tuple(params))
        finally:
            cursor.close()
