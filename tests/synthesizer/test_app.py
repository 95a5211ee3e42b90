"""The synthesizer service over HTTP: legacy /inference, health, metrics, bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from voiceclone_synthesizer.app import create_app
from voiceclone_synthesizer.backends import BackendUnavailable
from voiceclone_synthesizer.config import Settings


def test_inference_returns_an_80_by_t_spec(tacotron_client: TestClient, embed: list[float]):
    response = tacotron_client.post("/inference", json={"embed": embed, "text": "Hello there."})
    assert response.status_code == 200
    spec = np.asarray(response.json()["spec"], dtype=np.float32)
    assert spec.shape[0] == 80 and spec.shape[1] >= 1
    assert np.isfinite(spec).all()
    assert spec[:, -1].max() >= -3.4  # trailing silence trimmed


def test_trailing_slash_and_extra_fields(tacotron_client: TestClient, embed: list[float]):
    body = {"embed": embed, "text": "Hello.", "something_else": 1}
    assert tacotron_client.post("/inference/", json=body).status_code == 200


def test_sentences_are_joined_along_time(tacotron_client: TestClient, embed: list[float]):
    one = tacotron_client.post("/inference", json={"embed": embed, "text": "Hello there."})
    three = tacotron_client.post(
        "/inference", json={"embed": embed, "text": "Hello there. Hello there. Hello there."}
    )
    t_one = np.asarray(one.json()["spec"]).shape[1]
    t_three = np.asarray(three.json()["spec"]).shape[1]
    pause = round(0.15 * 80)
    assert t_three == 3 * t_one + 2 * pause  # same sentence, same mel: deterministic


def test_unnormalised_embedding_is_normalised(tacotron_client: TestClient, embed: list[float]):
    text = "Scale does not matter."
    unit = tacotron_client.post("/inference", json={"embed": embed, "text": text}).json()
    scaled = [v * 7.5 for v in embed]
    big = tacotron_client.post("/inference", json={"embed": scaled, "text": text}).json()
    np.testing.assert_allclose(np.asarray(unit["spec"]), np.asarray(big["spec"]), atol=1e-4)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"embed": [0.1] * 255, "text": "Hi."}, "exactly 256"),
        ({"embed": [0.1] * 257, "text": "Hi."}, "exactly 256"),
        ({"embed": [0.0] * 256, "text": "Hi."}, "all zeros"),
        ({"embed": "abc", "text": "Hi."}, "embed"),
        ({"text": "Hi."}, "embed"),
        ({"embed": [0.1] * 256}, "text"),
        ({"embed": [0.1] * 256, "text": ""}, "empty"),
        ({"embed": [0.1] * 256, "text": " \n\t "}, "empty"),
        ({"embed": [0.1] * 256, "text": "🙂 ..."}, "nothing to speak"),
        ({"embed": [0.1] * 256, "text": "word " * 1001}, "limit of 5000"),
        ({"embed": [0.1] * 256, "text": 42}, "text"),
    ],
)
def test_bad_input_is_422_with_a_reason(
    tacotron_client: TestClient, body: dict[str, object], fragment: str
) -> None:
    response = tacotron_client.post("/inference", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["error"]
    assert response.json()["error_type"] == "invalid_input"


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_embedding_is_422(tacotron_client: TestClient, bad: str) -> None:
    values = ", ".join(["0.1"] * 255 + [bad])
    response = tacotron_client.post(
        "/inference", content=f'{{"embed": [{values}], "text": "Hi."}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "finite" in response.json()["error"]


def test_malformed_json_is_422(tacotron_client: TestClient) -> None:
    response = tacotron_client.post(
        "/inference", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_max_chars_is_configurable(
    tacotron_settings: Callable[..., Settings], embed: list[float], wait_ready
) -> None:
    with TestClient(create_app(tacotron_settings(max_chars=10))) as client:
        wait_ready(client)
        response = client.post("/inference", json={"embed": embed, "text": "Eleven chars"})
        assert response.status_code == 422
        assert "SYNTHESIZER_MAX_CHARS" in response.json()["error"]


def test_health_and_metrics(tacotron_client: TestClient, embed: list[float]) -> None:
    assert tacotron_client.get("/check").json() == "service available"
    assert tacotron_client.get("/livez").json() == {"status": "ok"}
    assert tacotron_client.get("/readyz").json()["checks"] == {"model": "ok"}
    tacotron_client.post("/inference", json={"embed": embed, "text": "One. Two."})
    metrics = tacotron_client.get("/metrics").text
    assert 'synthesizer_sentences_total{backend="tacotron"} 2.0' in metrics
    assert 'route="/inference"' in metrics


def test_openapi_documents_the_legacy_route(tacotron_client: TestClient) -> None:
    paths = tacotron_client.get("/openapi.json").json()["paths"]
    assert "/inference" in paths


def test_corrupt_checkpoint_stops_the_start(
    tacotron_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    bad = tmp_path / "synthesizer.pt"
    bad.write_bytes(b"garbage")
    with (
        pytest.raises(BackendUnavailable, match="cannot read Tacotron checkpoint"),
        TestClient(create_app(tacotron_settings(checkpoint=bad))),
    ):
        pass


def test_explicit_tacotron_without_checkpoint_stops_the_start(
    tacotron_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "synthesizer.pt"
    with (
        pytest.raises(BackendUnavailable, match="not found"),
        TestClient(create_app(tacotron_settings(checkpoint=missing))),
    ):
        pass


def test_default_backend_through_the_service(
    tmp_path: Path, embed: list[float], wait_ready: Callable[..., None]
) -> None:
    default_voice = pytest.importorskip(
        "voiceclone_synthesizer.backends.default_voice",
        reason="the default backend (issue 7 part B) is not in this tree yet",
    )
    if not Path(default_voice.BANK_PATH).is_file():
        pytest.skip("the default backend's voice bank is not built yet (issue 7 part B)")
    settings = Settings(models_dir=tmp_path)  # auto, no synthesizer.pt -> default
    with TestClient(create_app(settings)) as client:
        wait_ready(client, 120)
        short = client.post("/inference", json={"embed": embed, "text": "Hello."})
        long = client.post(
            "/inference", json={"embed": embed, "text": "Hello. This is a much longer text."}
        )
        assert short.status_code == long.status_code == 200
        a, b = np.asarray(short.json()["spec"]), np.asarray(long.json()["spec"])
        assert a.shape[0] == b.shape[0] == 80
        assert b.shape[1] > a.shape[1] + 40
        assert a.min() >= -4.0 and a.max() <= 4.0
        assert 'backend="default"' in client.get("/metrics").text
