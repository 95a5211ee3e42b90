"""The background writer of the request log: batches in, never in the request's way.

    submit(row)  (event loop)  -> in-memory buffer (bounded)
                                   | past its bound: the whole buffer goes to the spill file
    writer thread, every flush interval or full batch:
        1. replay the spill file, if any
        2. insert the buffer in batches
        a failure (database down) puts the batch back, and retries with backoff
    close()  -> a last attempt; rows that still cannot be written go to the spill file,
               which the next start replays.

Inserts are `INSERT ... IGNORE` keyed by `row_id`, so a batch that reached the database
before the connection died can be sent again without doubling a row.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from voiceclone_gateway.db import Connection, Database
from voiceclone_gateway.request_log.record import COLUMNS
from voiceclone_gateway.request_log.spill import SpillFile

logger = logging.getLogger(__name__)

# Hooks for metrics: (event, rows) with event in {"written", "spilled", "failed"}.
WriterObserver = Callable[[str, int], None]


class RequestLogWriter:
    def __init__(
        self,
        db: Database,
        spill: SpillFile,
        *,
        buffer_rows: int = 10_000,
        batch_rows: int = 500,
        flush_interval_s: float = 0.5,
        retry_max_s: float = 10.0,
        observe: WriterObserver | None = None,
    ) -> None:
        self.db = db
        self.spill = spill
        self.buffer_rows = buffer_rows
        self.batch_rows = batch_rows
        self.flush_interval_s = flush_interval_s
        self.retry_max_s = retry_max_s
        self._observe = observe or (lambda event, rows: None)
        self._buffer: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._migrated = False
        self._retry_delay_s = 0.0
        self.last_error: str | None = None
        self._insert_sql = db.dialect.sql(
            f"{db.dialect.insert_ignore} {db.tables['request_log']} ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})"
        )

    # -- event loop side -----------------------------------------------------------

    def submit(self, row: dict[str, Any]) -> None:
        """Queue a row; never blocks on the database (at worst on a local file append)."""
        with self._lock:
            self._buffer.append(row)
            overflow = len(self._buffer) > self.buffer_rows
            if overflow:
                rows = list(self._buffer)
                self._buffer.clear()
        if overflow:
            self.spill.append(rows)
            self._observe("spilled", len(rows))
        self._idle.clear()
        if len(self._buffer) >= self.batch_rows:
            self._wake.set()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def database_up(self) -> bool:
        return self.last_error is None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="request-log-writer",
                                        daemon=True)
        self._thread.start()

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until every submitted row is in the database; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._idle.clear()
            self._wake.set()
            if self._idle.wait(min(0.5, max(0.0, deadline - time.monotonic()))) \
                    and not self._buffer and not self.spill.pending():
                return True
        return False

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop the thread after a last flush; what cannot be written goes to the spill."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.error("request log: the writer did not stop in %.0f s", timeout_s)
        self._spill_buffer()

    def _spill_buffer(self) -> None:
        with self._lock:
            rows = list(self._buffer)
            self._buffer.clear()
        if rows:
            self.spill.append(rows)
            self._observe("spilled", len(rows))
            logger.warning("request log: %d rows kept in %s for the next start", len(rows),
                           self.spill.path)

    # -- writer thread -------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._retry_delay_s or self.flush_interval_s)
            self._wake.clear()
            self._drain()
        self._drain()  # the last attempt at shutdown; what fails waits in the spill file
        self._spill_buffer()
        self._disconnect()

    def _drain(self) -> None:
        try:
            self._replay_spill()
            while self._buffer:
                with self._lock:
                    batch = [self._buffer.popleft()
                             for _ in range(min(self.batch_rows, len(self._buffer)))]
                try:
                    self._insert(batch)
                except BaseException:
                    with self._lock:
                        self._buffer.extendleft(reversed(batch))
                    raise
        except Exception as exc:
            self._failed(exc)
            return
        if self.last_error is not None:
            logger.info("request log: database %s is back", self.db.describe())
        self.last_error = None
        self._retry_delay_s = 0.0
        if not self._buffer:
            self._idle.set()

    def _replay_spill(self) -> None:
        path = self.spill.claim()
        if path is None:
            return
        replayed = 0
        for batch in SpillFile.read(path, self.batch_rows):
            self._insert(batch)
            replayed += len(batch)
        self.spill.done(path)
        logger.info("request log: replayed %d spilled rows from %s", replayed, path)

    def _insert(self, rows: Sequence[dict[str, Any]]) -> None:
        conn = self._connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.executemany(self._insert_sql,
                                   [tuple(r.get(c) for c in COLUMNS) for r in rows])
            finally:
                cursor.close()
            conn.commit()
        except BaseException:
            self._disconnect()
            raise
        self._observe("written", len(rows))

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self.db.url.connect(self.db.timeout_s)
            try:
                if not self._migrated:
                    self.db.migrate(conn)
                    self._migrated = True
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            # A dead connection may fail to close; it is gone either way.
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _failed(self, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if self.last_error is None:
            logger.warning("request log: database %s unavailable (%s); buffering rows",
                           self.db.describe(), message)
        self.last_error = message
        self._observe("failed", 0)
        self._retry_delay_s = min(self.retry_max_s, max(0.1, self._retry_delay_s * 2))
