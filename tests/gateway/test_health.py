"""`/readyz` asks the upstreams and the database; `/metrics` has the gateway's series."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.gateway.conftest import FakeUpstreams


def test_ready_when_upstreams_and_database_are(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"encoder": "ok", "synthesizer": "ok", "vocoder": "ok",
                                         "database": "ok"}


def test_not_ready_names_the_upstream(client: TestClient, upstreams: FakeUpstreams) -> None:
    upstreams.fail["vocoder"] = lambda r: httpx.Response(503, json={"status": "unavailable"})

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    upstreams.fail["encoder"] = refused
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert "unreachable" in checks["encoder"] and "503" in checks["vocoder"]
    assert checks["synthesizer"] == "ok"


def test_not_ready_without_the_database(make_client, tmp_path) -> None:
    client = make_client(database_url=f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "unavailable" in response.json()["checks"]["database"]
    relaxed = make_client(database_url=f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}",
                          ready_requires_database=False)
    assert relaxed.get("/readyz").status_code == 200


def test_livez_and_check(client: TestClient) -> None:
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/check").json() == "service available"


def test_metrics_have_routes_stages_and_the_log(client: TestClient) -> None:
    client.post("/inference-w", json={"embed": [0.0625] * 256, "text": "Hi"})
    client.get("/encoder/anything/at/all")
    assert client.app.state.gateway.log_writer.flush(5)
    text = client.get("/metrics").text
    assert 'route="/inference-w"' in text
    assert 'route="/encoder/{path:path}"' in text  # templates, not raw paths
    assert "/anything/at/all" not in text
    assert 'gateway_stage_duration_seconds_count{stage="vocoder"}' in text
    assert 'gateway_request_log_rows_total{event="written"}' in text
    assert "gateway_request_log_buffered_rows" in text
