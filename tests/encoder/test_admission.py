"""Audio slots and the read lane: the memory bound that a slow uploader cannot jam."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
import pytest
from fastapi.testclient import TestClient
from voiceclone_encoder.api import admission
from voiceclone_encoder.api.admission import ReadLane
from voiceclone_encoder.app import create_app
from voiceclone_encoder.config import Settings

from .conftest import wait_ready


def test_the_read_lane_takes_one_body_at_a_time() -> None:
    async def scenario() -> list[str]:
        lane, order = ReadLane(), []

        async def reader(name: str) -> None:
            async with lane.turn():
                order.append(f"{name} starts")
                for _ in range(5):
                    await asyncio.sleep(0.005)
                    lane.progress()
                order.append(f"{name} ends")

        await asyncio.gather(reader("a"), reader("b"))
        assert not lane._lock.locked()
        return order

    assert asyncio.run(scenario()) == ["a starts", "a ends", "b starts", "b ends"]


def test_a_stalled_reader_does_not_hold_the_lane() -> None:
    async def scenario() -> float:
        lane, resume = ReadLane(), asyncio.Event()

        async def stalled() -> None:
            async with lane.turn():
                await resume.wait()

        slow = asyncio.create_task(stalled())
        await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        start = loop.time()
        async with lane.turn():
            waited = loop.time() - start
        resume.set()
        await slow
        assert not lane._lock.locked()
        return waited

    assert asyncio.run(scenario()) < 10 * admission.STALL_S


def _scope(body: bytes, path: str = "/inference") -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "client": ("test", 1), "server": ("test", 80),
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }


async def _call(app, body: bytes, gate: asyncio.Event | None = None) -> int:
    """One request straight through ASGI; with `gate`, the second half of the body
    only arrives once it is set (a slow uploader). Returns the status code."""
    half = len(body) // 2
    parts = [(body[:half], True), (body[half:], False)] if gate else [(body, False)]
    status = 0

    async def receive() -> dict:
        if parts:
            chunk, more = parts.pop(0)
            if not more and gate is not None:
                await gate.wait()
            return {"type": "http.request", "body": chunk, "more_body": more}
        await asyncio.Event().wait()  # no disconnect
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(body), receive, send)
    return status


def _in_app_loop(client: TestClient, scenario: Callable[[], Awaitable[object]]) -> object:
    return client.portal.call(scenario)


def test_a_slow_uploader_does_not_block_other_requests(client, sentence_16k) -> None:
    body = orjson.dumps({"wav": sentence_16k.tolist(), "sr": 16000})

    async def scenario() -> tuple[int, int]:
        gate = asyncio.Event()
        slow = asyncio.create_task(_call(client.app, body, gate))
        await asyncio.sleep(0.02)  # it holds a slot and has sent half its body
        fast = await asyncio.wait_for(_call(client.app, body), timeout=20)
        gate.set()
        return fast, await asyncio.wait_for(slow, timeout=20)

    assert _in_app_loop(client, scenario) == (200, 200)


def test_slots_are_given_back_after_bad_input(client, sentence_16k) -> None:
    for _ in range(5):  # more than the slots
        assert client.post("/inference", content=b'{"wav": [NaN], "sr": 16000}',
                           headers={"content-type": "application/json"}).status_code == 422
        assert client.post("/inference", json={"wav": [0.0] * 16000, "sr": 16000}
                           ).status_code == 422
    assert client.post("/inference", json={"wav": sentence_16k.tolist(), "sr": 16000}
                       ).status_code == 200
    assert "encoder_audio_slots_busy 0.0" in client.get("/metrics").text


@pytest.fixture(scope="module")
def one_slot_client() -> TestClient:
    settings = Settings(ingress_limit=1, max_queue_partials=5, max_audio_s=30.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


def test_requests_waiting_for_a_slot_count_towards_429(one_slot_client, sentence_16k) -> None:
    body = orjson.dumps({"wav": sentence_16k.tolist(), "sr": 16000})
    app = one_slot_client.app

    async def scenario() -> tuple[int, int]:
        gate = asyncio.Event()
        slow = asyncio.create_task(_call(app, body, gate))  # takes the only slot
        await asyncio.sleep(0.02)
        # Queue empty, but this one would wait behind ~10 partials: over the limit of 5.
        refused = await asyncio.wait_for(_call(app, body), timeout=20)
        gate.set()
        return refused, await asyncio.wait_for(slow, timeout=20)

    assert _in_app_loop(one_slot_client, scenario) == (429, 200)
