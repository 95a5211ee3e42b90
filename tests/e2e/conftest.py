"""The real stack, started the way `make run` starts it (scripts/local_stack.py drives
scripts/run_stack.sh: honcho + Procfile) on free ports with temporary DATA_DIR and
MODELS_DIR. Skipped, with the reason, while a service package is not importable.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "encoder": "voiceclone_encoder.app",
    "synthesizer": "voiceclone_synthesizer.app",
    "vocoder": "voiceclone_vocoder.app",
    "gateway": "voiceclone_gateway.app",
}
READY_TIMEOUT_S = 150.0


def missing_apps() -> list[str]:
    missing = []
    for name, module in APPS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(f"{name} ({module})")
    return missing


def _load_local_stack() -> ModuleType:
    path = REPO_ROOT / "scripts" / "local_stack.py"
    spec = importlib.util.spec_from_file_location("_e2e_local_stack", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look it up there
    spec.loader.exec_module(module)
    return module


def running_stack(workdir: Path, **overrides: str) -> Iterator[object]:
    """Start, wait until ready, yield, stop (Ctrl-C)."""
    missing = missing_apps()
    if missing:
        pytest.skip("service packages not importable yet: " + ", ".join(missing))
    local_stack = _load_local_stack()
    with local_stack.LocalStack.start(workdir, **overrides) as running:
        running.wait_ready(READY_TIMEOUT_S)
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The stack with its embedded defaults: SQLite request log under DATA_DIR."""
    yield from running_stack(tmp_path_factory.mktemp("stack"))


@pytest.fixture(scope="module")
def mysql_stack(
    tmp_path_factory: pytest.TempPathFactory, mysql_url: str
) -> Iterator[tuple[object, str]]:
    """The stack as `DATABASE_URL=mysql://... make run` starts it, with table names of its
    own (GATEWAY_DB_TABLE_PREFIX) so the shared test database is left as it was."""
    prefix = f"e2e{uuid.uuid4().hex[:8]}_"
    try:
        for running in running_stack(tmp_path_factory.mktemp("mysql-stack"),
                                     DATABASE_URL=mysql_url, GATEWAY_DB_TABLE_PREFIX=prefix):
            yield running, prefix
    finally:
        drop_prefixed_tables(mysql_url, prefix)


def mysql_connect(url: str):  # type: ignore[no-untyped-def]
    import pymysql

    parts = urlparse(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
        user=parts.username or "root", password=parts.password or "",
        database=(parts.path or "/test").lstrip("/"), connect_timeout=5,
        cursorclass=pymysql.cursors.DictCursor,
    )


def drop_prefixed_tables(url: str, prefix: str) -> None:
    conn = mysql_connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW TABLES LIKE %s", (prefix.replace("_", "\\_") + "%",))
            for row in cursor.fetchall():
                (table,) = row.values()
                cursor.execute(f"DROP TABLE `{table}`")
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def mysql_query(mysql_url: str) -> Callable[..., list[dict[str, Any]]]:
    """`query(sql, params)` -> rows as dicts, on a fresh connection each time."""

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        conn = mysql_connect(mysql_url)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            conn.close()

    return query
