"""Database URLs, dialects and versioned migrations, on SQLite and MariaDB."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from voiceclone_gateway.db import Database
from voiceclone_gateway.db.dialect import DatabaseUrl, redact
from voiceclone_gateway.db.migrations import MIGRATIONS

from tests.gateway.test_request_log import _drop_prefixed_tables


def test_urls() -> None:
    assert DatabaseUrl.parse("sqlite:///data/x.db").sqlite_path == Path("data/x.db")
    assert DatabaseUrl.parse("sqlite:////abs/x.db").sqlite_path == Path("/abs/x.db")
    url = DatabaseUrl.parse("mysql://bob:p%40ss@db.local:3307/logs")
    assert (url.host, url.port, url.user, url.password, url.database) == \
        ("db.local", 3307, "bob", "p@ss", "logs")
    assert DatabaseUrl.parse("mysql+pymysql://root@h/d").dialect.name == "mysql"
    assert redact("mysql://bob:secret@h/d") == "mysql://bob:***@h/d"
    with pytest.raises(ValueError, match="unsupported scheme"):
        DatabaseUrl.parse("postgres://h/d")
    with pytest.raises(ValueError, match="names no database"):
        DatabaseUrl.parse("mysql://root@h")


def test_placeholders_per_dialect() -> None:
    assert DatabaseUrl.parse("sqlite:///x").dialect.sql("a = ?") == "a = ?"
    assert DatabaseUrl.parse("mysql://r@h/d").dialect.sql("a = ? AND b = ?") == \
        "a = %s AND b = %s"


def _check_migrations(db: Database) -> None:
    latest = MIGRATIONS[-1].version
    assert db.migrate() == latest
    assert db.migrate() == latest  # idempotent
    with db.connect() as conn:
        versions = db.query(conn, f"SELECT version FROM {db.tables['schema_migrations']}")
        assert sorted(r["version"] for r in versions) == [m.version for m in MIGRATIONS]
        assert db.query(conn, f"SELECT COUNT(*) AS n FROM {db.tables['request_log']}") == \
            [{"n": 0}]


def test_sqlite_migrations(tmp_path: Path) -> None:
    _check_migrations(Database(f"sqlite:///{tmp_path / 'x.sqlite3'}", table_prefix="p_"))


@pytest.mark.mysql
def test_mysql_migrations(mysql_url: str) -> None:
    prefix = f"m{uuid.uuid4().hex[:8]}_"
    try:
        _check_migrations(Database(mysql_url, table_prefix=prefix))
    finally:
        _drop_prefixed_tables(mysql_url, prefix)
