"""Health probes stay out of uvicorn's access log; every other request stays in it."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from voiceclone_common.access_log import ProbeAccessFilter, quiet_probe_access_log
from voiceclone_common.app import install_plumbing


def access_record(path: str, status: int = 200) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", status), None,
    )


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics", "/readyz?verbose=1"])
def test_probe_paths_are_dropped(path: str) -> None:
    assert not ProbeAccessFilter().filter(access_record(path, 503))


@pytest.mark.parametrize("path", ["/inference", "/check", "/readyz/extra", "/docs"])
def test_other_requests_are_kept(path: str) -> None:
    assert ProbeAccessFilter().filter(access_record(path))


def test_other_log_records_are_kept() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "plain", None, None)
    assert ProbeAccessFilter().filter(record)


def test_installed_once_by_the_plumbing() -> None:
    logger = logging.getLogger("uvicorn.access")
    for _ in range(3):
        app = FastAPI()

        async def ready() -> dict[str, str]:
            return {}

        install_plumbing(app, service="x", readiness=ready, max_body_bytes=1024)
    quiet_probe_access_log()
    assert sum(isinstance(f, ProbeAccessFilter) for f in logger.filters) == 1
    assert TestClient(app).get("/readyz").status_code == 200
