"""Long texts on the whole-text routes: spoken in sentence groups under the vocoder's
frame limit (the fake vocoder refuses longer mels, as the real one does), joined, with
per-stage timings summed; short texts stay one call per stage."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import orjson
import pytest
import soundfile
from fastapi.testclient import TestClient
from voiceclone_contracts.synthesizer import SynthesizeRequest
from voiceclone_gateway.clients import EncodedMel, Upstreams
from voiceclone_gateway.jsonscan import first_row_length
from voiceclone_gateway.mel_split import cut_points, split_mel
from voiceclone_gateway.pipeline import ClonePipeline, Limits
from voiceclone_gateway.speech_stream import PIECE_PAUSE_S

from tests.gateway.conftest import FRAMES_PER_CHAR, HOP, FakeUpstreams, gateway_settings

# Ten sentences, 603 characters: 2412 frames from the fake synthesizer, over its limit.
SENTENCES = [
    "The birch canoe slid on the smooth planks of the old wooden dock by the lake.",
    "Glue the sheet to the dark blue background before the paint has time to dry.",
    "It is easy to tell the depth of a well when you drop a stone and count.",
    "These days a chicken leg is a rare dish, served only on the holidays.",
    "Rice is often served in round bowls with a pair of long wooden sticks.",
    "The juice of lemons makes fine punch on a hot afternoon in the summer.",
    "The box was thrown beside the parked truck by the men from the depot.",
    "The hogs were fed chopped corn and garbage every morning at six.",
    "Four hours of steady work faced us, and nobody dared to complain.",
]
LONG_TEXT = " ".join(SENTENCES)
EMBED = [0.0625] * 256
PAUSE = round(PIECE_PAUSE_S * 16000)


def _synthesized(upstreams: FakeUpstreams) -> list[str]:
    return [SynthesizeRequest.model_validate_json(r.content).text for r in upstreams.seen
            if r.url.host == "synthesizer.test"]


def _vocoded_frames(upstreams: FakeUpstreams) -> list[int]:
    return [len(orjson.loads(r.content)["spec"][0]) for r in upstreams.seen
            if r.url.host == "vocoder.test"]


def _expected_samples(pieces: list[str]) -> int:
    speech = sum((FRAMES_PER_CHAR * len(p) - 1) * HOP for p in pieces)
    return speech + PAUSE * (len(pieces) - 1)


def test_the_text_is_over_the_fake_vocoder_limit_in_one_piece() -> None:
    assert FRAMES_PER_CHAR * len(LONG_TEXT) > FakeUpstreams().vocoder_max_frames


def test_long_text_on_v1_clone_is_spoken_in_groups(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    response = client.post("/v1/clone", json={"embed": EMBED, "text": LONG_TEXT})
    assert response.status_code == 200, response.text
    pieces = _synthesized(upstreams)
    assert len(pieces) >= 2 and all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces) == LONG_TEXT  # every word once, in order
    assert all(frames <= 2400 for frames in _vocoded_frames(upstreams))
    audio, sr = soundfile.read(io.BytesIO(response.content), dtype="float32")
    assert sr == 16000 and len(audio) == _expected_samples(pieces)
    timing = response.headers["server-timing"]
    assert "synthesizer;dur=" in timing and "vocoder;dur=" in timing


@pytest.mark.parametrize("route", ["/inference-c", "/inference-w"])
def test_long_text_on_the_legacy_routes(
    client: TestClient, upstreams: FakeUpstreams, route: str
) -> None:
    body: dict = {"text": LONG_TEXT, "sr": 16000}
    body.update({"wav": [0.1] * 16000} if route == "/inference-c" else {"embed": EMBED})
    response = client.post(route, json=body)
    assert response.status_code == 200, response.text
    pieces = _synthesized(upstreams)
    assert len(pieces) >= 2
    assert response.json()["sr"] == 16000
    assert len(response.json()["wav"]) == _expected_samples(pieces)


def test_a_short_text_is_one_call_per_stage(
    client: TestClient, upstreams: FakeUpstreams
) -> None:
    text = " ".join(SENTENCES[:3])[:300]  # at the limit: still one call
    response = client.post("/inference-w", json={"embed": EMBED, "text": text, "sr": 16000})
    assert response.status_code == 200, response.text
    assert _synthesized(upstreams) == [text]
    assert _vocoded_frames(upstreams) == [FRAMES_PER_CHAR * len(text)]


def test_a_mel_over_the_limit_is_cut_and_vocoded_in_parts(
    make_client, upstreams: FakeUpstreams  # type: ignore[no-untyped-def]
) -> None:
    upstreams.vocoder_max_frames = 100
    client = make_client(vocoder_max_frames=100)
    text = "A short text of fifty characters, more or less ok."
    response = client.post("/inference-w", json={"embed": EMBED, "text": text, "sr": 16000})
    assert response.status_code == 200, response.text
    frames = _vocoded_frames(upstreams)
    assert sum(frames) == FRAMES_PER_CHAR * len(text) and max(frames) <= 100
    assert len(response.json()["wav"]) == sum((f - 1) * HOP for f in frames)


def test_the_limit_is_configurable(make_client, upstreams: FakeUpstreams) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_chars_per_call=100)
    response = client.post("/inference-w", json={"embed": EMBED, "text": " ".join(SENTENCES[:4]),
                                                 "sr": 16000})
    assert response.status_code == 200
    assert len(_synthesized(upstreams)) == 4  # one sentence (70-80 characters) per call


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def slow_pipeline(tmp_path: Path) -> AsyncIterator[tuple[ClonePipeline, FakeUpstreams]]:
    """A pipeline whose upstreams take 50 ms per synthesizer or vocoder call."""
    fake = FakeUpstreams()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host in ("synthesizer.test", "vocoder.test"):
            await asyncio.sleep(0.05)
        return fake(request)

    settings = gateway_settings(tmp_path)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        yield ClonePipeline(Upstreams.build(http, settings), Limits(), self_check=False), fake


@pytest.mark.anyio
async def test_timings_add_up_over_the_pieces(
    slow_pipeline: tuple[ClonePipeline, FakeUpstreams],
) -> None:
    pipeline, fake = slow_pipeline
    timings: dict[str, float] = {}
    result = await pipeline.clone_from_embedding(EMBED, LONG_TEXT, request_id="r",
                                                 timings_s=timings)
    calls = len(_synthesized(fake))
    assert calls >= 2 and result.waveform.n_samples == _expected_samples(_synthesized(fake))
    assert timings["synthesizer"] >= 0.05 * calls and timings["vocoder"] >= 0.05 * calls
    assert result.samples().shape == (result.waveform.n_samples,)


@pytest.mark.anyio
async def test_a_failing_piece_fails_the_clone_and_keeps_its_time(
    slow_pipeline: tuple[ClonePipeline, FakeUpstreams],
) -> None:
    pipeline, fake = slow_pipeline
    fake.fail["vocoder"] = lambda request: httpx.Response(500, text="boom")
    timings: dict[str, float] = {}
    with pytest.raises(Exception, match="HTTP 500") as caught:
        await pipeline.clone_from_embedding(EMBED, LONG_TEXT, request_id="r",
                                            timings_s=timings)
    assert getattr(caught.value, "stage", None) == "vocoder"
    assert timings["vocoder"] >= 0.05 and timings["synthesizer"] >= 0.05
    await asyncio.sleep(0.1)  # the next piece's synthesis was cancelled, not left running


def test_cuts_fall_in_the_quietest_frames() -> None:
    mel = np.full((80, 500), 1.0, np.float32)
    mel[:, 150:162] = -4.0  # a pause at 150-161 (within the second half of 200 frames)
    mel[:, 330:342] = -4.0
    cuts = cut_points(mel, 200)
    assert len(cuts) == 2 and 150 <= cuts[0] < 162 and 330 <= cuts[1] < 342
    assert all(b - a <= 200 for a, b in zip([0, *cuts], [*cuts, 500], strict=True))


def test_split_mel_keeps_every_frame() -> None:
    spec = np.random.default_rng(0).uniform(-4, 4, (80, 1000)).astype(np.float32)
    mel = EncodedMel(orjson.dumps({"spec": spec}, option=orjson.OPT_SERIALIZE_NUMPY))
    parts = [np.asarray(orjson.loads(p.json)["spec"], np.float32) for p in split_mel(mel, 300)]
    assert all(p.shape[1] <= 300 for p in parts)
    assert np.array_equal(np.concatenate(parts, axis=1), spec)


@pytest.mark.parametrize(
    ("body", "frames"),
    [
        (b'{"spec": [[1.0, 2.5, -3], [0, 0, 0]]}', 3),
        (b'{"backend":"x","spec":[\n [1e-3,2]\n,[3,4]]}', 2),
        (b'{"spec": [[]]}', 0),
        (b'{"other": [[1]], "spec": [[1, 2]]}', 2),
        (b'{"spec": [["a", "b", "c", "d"]]}', 4),  # not numbers: parsed fully, still right
    ],
)
def test_mel_frames_are_counted_from_the_first_row(body: bytes, frames: int) -> None:
    assert first_row_length(body, "spec") == frames
