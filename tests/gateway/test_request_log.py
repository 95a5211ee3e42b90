"""The request log: one row per request, through database outages, restarts and
overflowing buffers, on SQLite and on the real MariaDB."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pymysql
import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import log_rows
from tests.gateway.tcp_proxy import TcpProxy

EMBED = {"embed": [0.0625] * 256, "sr": 16000, "text": "Hello there."}


def _traffic(client: TestClient, n: int) -> list[str]:
    """`n` requests of several kinds (clone, failures, pass-through); their request ids."""
    ids = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            response = client.post("/inference-w", json=EMBED)
        elif kind == 1:
            response = client.post("/inference-c", json={"wav": [0.1] * 1600, "sr": 16000,
                                                          "text": "Hi"})
        elif kind == 2:
            response = client.post("/inference-w", json={"embed": [1], "text": "x"})  # 422
        else:
            response = client.get("/encoder/unknown")  # pass-through 404
        ids.append(response.headers["x-request-id"])
    return ids


def _assert_one_row_each(client: TestClient, ids: list[str]) -> None:
    rows = log_rows(client)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["request_id"]] = counts.get(row["request_id"], 0) + 1
    missing = [i for i in ids if i not in counts]
    doubled = [i for i in ids if counts.get(i, 0) > 1]
    assert not missing and not doubled, f"{len(missing)} missing, {len(doubled)} doubled"


def test_row_content(make_client: Callable[..., TestClient]) -> None:
    client = make_client(log_text=True, api_keys="alice:k")
    response = client.post("/inference-c", headers={"authorization": "Bearer k"},
                           json={"wav": [0.1] * 8000, "sr": 16000, "text": "Hello."})
    [row] = log_rows(client, request_id=response.headers["x-request-id"])
    assert row["route"] == "/inference-c" and row["method"] == "POST"
    assert row["status"] == 200 and row["error_type"] is None
    assert row["api_key_id"] == "alice" and row["client_addr"] == "testclient"
    assert row["input_audio_s"] == 0.5 and row["text_chars"] == 6 and row["text"] == "Hello."
    assert row["output_audio_s"] > 0
    assert row["bytes_in"] == len(response.request.content)
    assert row["bytes_out"] == len(response.content)
    assert row["total_ms"] >= row["encoder_ms"] + row["synthesizer_ms"] + row["vocoder_ms"]
    assert str(row["created_at"]).startswith("20")


def test_text_is_not_stored_by_default(client: TestClient) -> None:
    response = client.post("/inference-w", json=EMBED)
    [row] = log_rows(client, request_id=response.headers["x-request-id"])
    assert row["text"] is None and row["text_chars"] == len(EMBED["text"])


def test_failed_requests_have_rows_with_their_error_type(client: TestClient) -> None:
    bad = client.post("/inference-w", json={"embed": [1], "text": "x"})
    missing = client.get("/no/such/route")
    [bad_row] = log_rows(client, request_id=bad.headers["x-request-id"])
    [missing_row] = log_rows(client, request_id=missing.headers["x-request-id"])
    assert (bad_row["status"], bad_row["error_type"]) == (422, "invalid_input")
    assert (missing_row["status"], missing_row["error_type"]) == (404, "not_found")


def test_sqlite_outage_loses_and_doubles_nothing(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    # Another process holding SQLite's exclusive lock: every write of the gateway fails
    # (after its busy timeout) until the lock is released.
    path = tmp_path / "log.sqlite3"
    client = make_client(database_url=f"sqlite:///{path}", db_timeout_s=0.05,
                         log_buffer_rows=10, log_batch_rows=4)
    writer = client.app.state.gateway.log_writer
    before = _traffic(client, 8)
    assert writer.flush(5)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        during = _traffic(client, 40)  # past the 10-row buffer: spills to the local file
        assert not writer.flush(1.0)
        assert writer.last_error is not None and "locked" in writer.last_error
        assert writer.spill.pending()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    after = _traffic(client, 8)
    _assert_one_row_each(client, before + during + after)
    assert len(log_rows(client)) == 56
    assert not writer.spill.pending()


def test_rows_buffered_at_shutdown_are_written_at_the_next_start(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    db_dir = tmp_path / "db"
    url = f"sqlite:///{db_dir / 'log.sqlite3'}"
    first = make_client(database_url=url)  # the directory is missing: the DB is down
    ids = _traffic(first, 6)
    first.__exit__(None, None, None)  # shutdown: rows go to the spill file
    spill = tmp_path / "request-log-spill.jsonl"
    assert spill.exists() and len(spill.read_bytes().splitlines()) >= 6
    db_dir.mkdir()
    second = make_client(database_url=url)
    _assert_one_row_each(second, ids)


@pytest.fixture
def mysql_db(mysql_url: str) -> tuple[str, int, str]:
    """(host, port, database) of the real MariaDB, with a table prefix of this test."""
    parts = urlparse(mysql_url)
    return parts.hostname or "127.0.0.1", parts.port or 3306, parts.path.lstrip("/")


def _drop_prefixed_tables(mysql_url: str, prefix: str) -> None:
    parts = urlparse(mysql_url)
    conn = pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                           user=parts.username or "root", password=parts.password or "",
                           database=parts.path.lstrip("/"))
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW TABLES LIKE %s", (prefix.replace("_", "\\_") + "%",))
            for (table,) in cursor.fetchall():
                cursor.execute(f"DROP TABLE `{table}`")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.mysql
def test_mysql_outage_through_a_cut_connection(
    make_client: Callable[..., TestClient], mysql_url: str, mysql_db: tuple[str, int, str]
) -> None:
    host, port, database = mysql_db
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    proxy = TcpProxy(host, port)
    proxy.start()
    parts = urlparse(mysql_url)
    credentials = parts.username or "root"
    if parts.password:
        credentials += f":{parts.password}"
    try:
        client = make_client(
            database_url=f"mysql://{credentials}@127.0.0.1:{proxy.port}/{database}",
            db_table_prefix=prefix, db_timeout_s=1, log_buffer_rows=20, log_batch_rows=8,
        )
        before = _traffic(client, 12)
        assert client.app.state.gateway.log_writer.flush(10)
        proxy.stop()  # MariaDB "goes down" mid-traffic: open connections are cut
        during = _traffic(client, 60)
        writer = client.app.state.gateway.log_writer
        assert not writer.flush(1.5)
        assert writer.last_error is not None
        proxy.start()
        after = _traffic(client, 12)
        _assert_one_row_each(client, before + during + after)
        assert len(log_rows(client)) == 84
        assert not writer.spill.pending()
    finally:
        proxy.stop()
        _drop_prefixed_tables(mysql_url, prefix)


@pytest.mark.mysql
def test_mysql_rows_and_filters(make_client: Callable[..., TestClient], mysql_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    try:
        client = make_client(database_url=mysql_url, db_table_prefix=prefix,
                             admin_key="root-key")
        ids = _traffic(client, 8)
        assert client.app.state.gateway.log_writer.flush(10)
        admin = {"authorization": "Bearer root-key"}
        page = client.get("/v1/requests", params={"min_status": 400, "limit": 50},
                          headers=admin).json()["requests"]
        assert {r["request_id"] for r in page} == set(ids[2::4] + ids[3::4])
        assert all(r["status"] >= 400 for r in page)
        one = client.get("/v1/requests", params={"request_id": ids[0]}, headers=admin).json()
        assert [r["route"] for r in one["requests"]] == ["/inference-w"]
    finally:
        _drop_prefixed_tables(mysql_url, prefix)
