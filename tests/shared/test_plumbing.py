"""The shared plumbing: error mapping, health, metrics, body limit, contracts."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from voiceclone_common import errors
from voiceclone_common.app import install_plumbing
from voiceclone_contracts.encoder import InferenceRequest
from voiceclone_contracts.synthesizer import SynthesizeRequest


def _app(ready: bool = True) -> FastAPI:
    app = FastAPI()

    async def readiness() -> dict[str, str]:
        return {"model": "ok" if ready else "warm-up not finished"}

    install_plumbing(app, service="test", readiness=readiness, max_body_bytes=1000)

    @app.post("/echo")
    def echo(body: InferenceRequest) -> dict[str, int]:
        return {"n": len(body.wav)}

    @app.get("/fail/{kind}")
    def fail(kind: str) -> None:
        if kind == "overloaded":
            raise errors.Overloaded("queue full", retry_after_s=2)
        if kind == "upstream":
            raise errors.UpstreamRejected(
                "text is empty", status_code=422, error_type="invalid_input", stage="synthesizer"
            )
        raise RuntimeError("boom")

    return app


def test_every_error_class_has_a_status_and_type() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.ServiceError)]
    assert len(classes) >= 14
    for cls in classes:
        assert 400 <= cls.status_code <= 599
        assert cls.error_type


def test_validation_error_is_422_with_the_field_named() -> None:
    client = TestClient(_app())
    response = client.post("/echo", json={"wav": [0.1, "x"], "sr": 16000})
    assert response.status_code == 422
    body = response.json()
    assert body["error_type"] == "invalid_input"
    assert "wav.1" in body["error"]


def test_missing_sample_rate_is_named() -> None:
    response = TestClient(_app()).post("/echo", json={"wav": [0.1]})
    assert response.status_code == 422
    assert "sr" in response.json()["error"]


def test_non_finite_samples_are_rejected() -> None:
    client = TestClient(_app())
    response = client.post(
        "/echo", content=b'{"wav": [0.1, NaN], "sr": 16000}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_service_errors_keep_status_retry_after_and_stage() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    overloaded = client.get("/fail/overloaded")
    assert overloaded.status_code == 429
    assert overloaded.headers["retry-after"] == "2"
    upstream = client.get("/fail/upstream")
    assert upstream.status_code == 422
    assert upstream.json() == {
        "error": "text is empty", "error_type": "invalid_input", "stage": "synthesizer"
    }
    crash = client.get("/fail/crash")
    assert crash.status_code == 500
    assert crash.json()["error_type"] == "internal_error"
    assert "boom" not in crash.text


def test_body_over_limit_is_413() -> None:
    response = TestClient(_app()).post("/echo", json={"wav": [0.5] * 400, "sr": 16000})
    assert response.status_code == 413
    assert response.json()["error_type"] == "payload_too_large"


def test_health_endpoints() -> None:
    client = TestClient(_app(ready=False))
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/check").json() == "service available"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"model": "warm-up not finished"}
    assert TestClient(_app()).get("/readyz").status_code == 200


def test_metrics_count_requests_by_route_template() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    client.get("/fail/overloaded")
    text = client.get("/metrics").text
    assert 'route="/fail/{kind}"' in text
    assert 'status="429"' in text


def test_embedding_contract_checks_length() -> None:
    with pytest.raises(ValidationError, match="exactly 256"):
        SynthesizeRequest(embed=[0.1] * 255, text="hi")
