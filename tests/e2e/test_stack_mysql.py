"""`DATABASE_URL=mysql://... make run`: the same stack logs to MySQL/MariaDB instead of
SQLite. Needs the MariaDB server (skipped without it locally, mandatory in CI).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.mysql]
TEXT = "Logged to MariaDB."


def test_clone_is_logged_to_mysql_not_sqlite(
    mysql_stack: tuple[Any, str],
    mysql_query: Callable[..., list[dict[str, Any]]],
    speech: Callable[..., np.ndarray],
) -> None:
    stack, prefix = mysql_stack
    voice = speech("A short sentence is enough to find out who is speaking here.")
    request_id = f"e2e-mysql-{uuid.uuid4().hex}"
    response = httpx.post(
        f"{stack.gateway_url}/inference-c",
        json={"wav": voice.tolist(), "sr": 16000, "text": TEXT},
        headers={"X-Request-ID": request_id}, timeout=180,
    )
    assert response.status_code == 200, f"{response.text[:500]}\n{stack.log()}"
    wav = np.asarray(response.json()["wav"])
    assert wav.size > 8000 and np.isfinite(wav).all()

    deadline = time.monotonic() + 15  # the log is written in batches
    rows: list[dict[str, Any]] = []
    while not rows and time.monotonic() < deadline:
        rows = mysql_query(
            f"SELECT status, route, text_chars FROM `{prefix}request_log` WHERE request_id = %s",
            (request_id,),
        )
        time.sleep(0.2)
    assert rows == [{"status": 200, "route": "/inference-c", "text_chars": len(TEXT)}]
    assert not (Path(stack.env["DATA_DIR"]) / "gateway.sqlite3").exists()
