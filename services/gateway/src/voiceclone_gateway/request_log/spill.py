"""Rows that could not wait in memory, kept in a local JSON-lines file until replayed.

Appends go to `<path>`; a replay first renames it to `<path>.replay` so appends can go
on meanwhile, and deletes that file only when every row in it is in the database.
A replay that fails half-way is repeated whole later (inserts are idempotent).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

logger = logging.getLogger(__name__)


class SpillFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.replay_path = path.with_name(path.name + ".replay")
        self._lock = threading.Lock()

    def append(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        data = b"".join(orjson.dumps(row) + b"\n" for row in rows)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())

    def pending(self) -> bool:
        return self.replay_path.exists() or self.path.exists()

    def claim(self) -> Path | None:
        """The file to replay next (an unfinished replay first), or None."""
        with self._lock:
            if self.replay_path.exists():
                return self.replay_path
            if self.path.exists():
                os.replace(self.path, self.replay_path)
                return self.replay_path
        return None

    def count(self) -> int:
        with self._lock:
            total = 0
            for path in (self.replay_path, self.path):
                if path.exists():
                    with open(path, "rb") as f:
                        total += sum(1 for _ in f)
            return total

    @staticmethod
    def read(path: Path, batch_rows: int) -> Iterator[list[dict[str, Any]]]:
        """The rows of a claimed file in batches; a torn last line (a crash mid-append)
        is skipped with a warning."""
        batch: list[dict[str, Any]] = []
        with open(path, "rb") as f:
            for number, line in enumerate(f, 1):
                try:
                    batch.append(orjson.loads(line))
                except orjson.JSONDecodeError:
                    logger.warning("%s:%d is not a JSON row; skipped", path, number)
                    continue
                if len(batch) >= batch_rows:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def done(self, path: Path) -> None:
        with self._lock:
            path.unlink(missing_ok=True)
