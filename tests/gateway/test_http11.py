"""The gateway's HTTP/1.1 transport (clients/http11) against real local servers, under
both asyncio's own loop and uvloop (what the gateway runs on): framing both ways,
keep-alive, timeouts, cancellation, and the failures httpx's exceptions name."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from voiceclone_common.errors import UpstreamUnavailable
from voiceclone_gateway.app import create_app
from voiceclone_gateway.clients import UpstreamClient, UpstreamConfig
from voiceclone_gateway.clients.http11 import WHOLE_BODY, Http11Transport

from tests.gateway.conftest import gateway_settings
from tests.gateway.http11_server import (
    ReceivedRequest,
    chunked,
    echo,
    response,
    serve,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(params=[pytest.param(("asyncio", {}), id="asyncio"),
                        pytest.param(("asyncio", {"use_uvloop": True}), id="uvloop")])
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param


def _client(max_connections: int = 4, **timeouts: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=Http11Transport(max_connections),
                             timeout=httpx.Timeout(5, **timeouts))


def _pool(client: httpx.AsyncClient) -> int:
    transport = client._transport
    assert isinstance(transport, Http11Transport)
    return transport.pool.open_connections


async def _body(size: int) -> AsyncIterator[bytes]:
    for offset in range(0, size, 100_000):
        yield bytes([offset % 251]) * min(100_000, size - offset)


# -- answers ----------------------------------------------------------------------------


async def test_content_length_answers_share_one_connection() -> None:
    payload = os.urandom(3_000_000)
    async with serve(echo) as upstream, _client() as client:
        whole = await client.post(upstream.url, content=payload,
                                  extensions={WHOLE_BODY: True})
        pieces = await client.post(upstream.url, content=payload)
        small = await client.post(upstream.url, content=b"x")
    assert whole.content == pieces.content == payload and small.content == b"x"
    assert upstream.connections == 1


async def test_a_streamed_answer_comes_in_pieces_as_it_arrives() -> None:
    async def slowly(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 300000\r\n\r\n")
        for _ in range(3):
            writer.write(b"a" * 100_000)
            await writer.drain()
            await asyncio.sleep(0.05)
        return True

    async with serve(slowly) as upstream, _client() as client:
        async with client.stream("GET", upstream.url) as streamed:
            pieces = [piece async for piece in streamed.aiter_raw()]
        again = await client.get(upstream.url)
    assert len(pieces) >= 3 and b"".join(pieces) == b"a" * 300_000
    assert again.content == b"a" * 300_000 and upstream.connections == 1


async def test_chunked_answers_are_decoded_and_the_connection_kept() -> None:
    async def chunks(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(chunked(b"hello ", b"world" * 1000, trailer=b"x-sum: 1\r\n")
                     if request.target == "/chunked" else response(b"plain"))
        return True

    async with serve(chunks) as upstream, _client() as client:
        first = await client.get(f"{upstream.url}/chunked")
        second = await client.get(f"{upstream.url}/plain")
    assert first.content == b"hello " + b"world" * 1000 and second.content == b"plain"
    assert upstream.connections == 1


async def test_a_close_delimited_answer_is_read_to_the_end_and_not_reused() -> None:
    async def then_close(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n" + b"z" * 200_000)
        return False

    async with serve(then_close) as upstream, _client() as client:
        first = await client.get(upstream.url)
        second = await client.get(upstream.url)
        assert _pool(client) == 0
    assert first.content == second.content == b"z" * 200_000
    assert upstream.connections == 2


async def test_connection_close_from_the_upstream_is_honoured() -> None:
    async def close_header(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(b"bye", headers="connection: close\r\n"))
        return True  # the server would even keep it: the client must not

    async with serve(close_header) as upstream, _client() as client:
        for _ in range(2):
            assert (await client.get(upstream.url)).content == b"bye"
    assert upstream.connections == 2


async def test_head_204_and_304_have_no_body_and_keep_the_connection() -> None:
    async def bodiless(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        if request.method == "HEAD":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        elif request.target == "/204":
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif request.target == "/304":
            writer.write(b"HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n")
        else:
            writer.write(response(b"after"))
        return True

    async with serve(bodiless) as upstream, _client() as client:
        head = await client.head(upstream.url)
        no_content = await client.get(f"{upstream.url}/204")
        not_modified = await client.get(f"{upstream.url}/304")
        after = await client.get(upstream.url)
    assert head.headers["content-length"] == "5" and head.content == b""
    assert no_content.status_code == 204 and not_modified.status_code == 304
    assert no_content.content == not_modified.content == b""
    assert after.content == b"after" and upstream.connections == 1


async def test_interim_answers_are_skipped() -> None:
    async def early_hints(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + response(b"final"))
        return True

    async with serve(early_hints) as upstream, _client() as client:
        answer = await client.get(upstream.url)
    assert answer.status_code == 200 and answer.content == b"final"


async def test_headers_go_and_come_as_they_are() -> None:
    async def answer(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 418 I'm a teapot\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
                     b"X-Odd:   spaced value  \r\ncontent-length: 0\r\n\r\n")
        return True

    async with serve(answer) as upstream, _client() as client:
        got = await client.post(f"{upstream.url}/p/a th?q=1&r=2", content=b"{}",
                                headers={"X-Request-ID": "r-1"})
    assert got.status_code == 418 and got.reason_phrase == "I'm a teapot"
    assert got.http_version == "HTTP/1.1"
    assert got.headers.raw[:3] == [(b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"),
                                   (b"X-Odd", b"spaced value")]
    sent = upstream.requests[0]
    assert (sent.method, sent.target) == ("POST", "/p/a%20th?q=1&r=2")
    assert sent.headers["host"] == f"127.0.0.1:{upstream.port}"
    assert sent.headers["x-request-id"] == "r-1" and sent.headers["content-length"] == "2"


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    async with serve(echo) as upstream, _client() as client:
        with pytest.raises(httpx.LocalProtocolError):
            await client.get(upstream.url, headers={"x-a": "1\r\nx-injected: 2"})
        assert (await client.get(upstream.url)).status_code == 200
    assert len(upstream.requests) == 1 and "x-injected" not in upstream.requests[0].headers


@pytest.mark.parametrize("answer", [b"HTTP/1.1 2OO OK\r\n\r\n", b"SPDY\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                                    b"zz\r\n"])
async def test_a_malformed_answer_is_a_protocol_error(answer: bytes) -> None:
    async def malformed(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer)
        return True

    async with serve(malformed) as upstream, _client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(upstream.url)
        assert _pool(client) == 0


async def test_an_answer_cut_short_is_a_read_error() -> None:
    async def cut(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
        return False

    async with serve(cut) as upstream, _client() as client:
        with pytest.raises(httpx.ReadError):
            await client.get(upstream.url)
        assert _pool(client) == 0


# -- request bodies ---------------------------------------------------------------------


async def test_a_streamed_upload_without_a_length_goes_chunked() -> None:
    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""

    async with serve(echo) as upstream, _client() as client:
        big = await client.post(upstream.url, content=_body(1_000_000))
        empty = await client.post(upstream.url, content=nothing())
    assert upstream.requests[0].headers["transfer-encoding"] == "chunked"
    assert big.content == upstream.requests[0].body
    assert len(big.content) == 1_000_000 and empty.content == b""
    assert upstream.connections == 1


async def test_a_streamed_upload_with_its_length_goes_as_it_is() -> None:
    async with serve(echo) as upstream, _client() as client:
        sent = await client.post(upstream.url, content=_body(250_000),
                                 headers={"content-length": "250000"})
    assert "transfer-encoding" not in upstream.requests[0].headers
    assert len(sent.content) == 250_000


async def test_a_streamed_upload_shorter_than_its_length_fails_and_is_not_reused() -> None:
    async with serve(echo) as upstream, _client() as client:
        with pytest.raises(httpx.LocalProtocolError):
            await client.post(upstream.url, content=_body(1000),
                              headers={"content-length": "2000"})
        assert _pool(client) == 0
        assert (await client.post(upstream.url, content=b"ok")).content == b"ok"
    assert upstream.connections == 2


# -- timeouts and failures --------------------------------------------------------------


async def test_a_connect_that_hangs_is_connect_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once its backlog is full, SYNs go unanswered
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            async with _client(connect=0.2) as client:
                with pytest.raises(httpx.ConnectTimeout):
                    await client.get(f"http://127.0.0.1:{port}/")
                assert _pool(client) == 0
        finally:
            for filler in fillers:
                filler.close()


async def test_an_upstream_that_stops_reading_is_write_timeout() -> None:
    never_read = asyncio.Event()

    async def stuck(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await never_read.wait()

    server = await asyncio.start_server(stuck, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, _client(write=0.3) as client:
        with pytest.raises(httpx.WriteTimeout):  # more than the socket buffers hold
            await client.post(f"http://127.0.0.1:{port}/", content=b"x" * (64 << 20))
        assert _pool(client) == 0
        never_read.set()


async def test_silence_is_read_timeout_and_a_slow_body_is_not() -> None:
    async def slow(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        if request.target == "/silent":
            await asyncio.sleep(1)
            return False
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
        for byte in b"slow":  # each byte within the read timeout, all four beyond it
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.write(bytes([byte]))
        return True

    async with serve(slow) as upstream, _client(read=0.25) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{upstream.url}/silent")
        assert (await client.get(f"{upstream.url}/slow")).content == b"slow"


async def test_all_connections_busy_is_pool_timeout() -> None:
    release = asyncio.Event()

    async def held(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        await writer.drain()
        await release.wait()
        writer.write(b"ok")
        return True

    async with serve(held) as upstream, _client(max_connections=1, pool=0.1) as client:
        async with client.stream("GET", upstream.url) as busy:
            with pytest.raises(httpx.PoolTimeout):
                await client.get(upstream.url)
            release.set()
            assert await busy.aread() == b"ok"
        assert (await client.get(upstream.url)).content == b"ok"  # the slot came back
    assert upstream.connections == 1


async def test_connections_stay_within_the_bound() -> None:
    async def slow_echo(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        return await echo(request, writer)

    async with serve(slow_echo) as upstream, _client(max_connections=2) as client:
        answers = await asyncio.gather(*(client.post(upstream.url, content=b"%d" % i)
                                         for i in range(6)))
        # to another upstream at the bound: an idle connection is closed to make room
        async with serve(echo) as other:
            assert (await client.post(other.url, content=b"o")).content == b"o"
        assert _pool(client) <= 2
    assert [a.content for a in answers] == [b"%d" % i for i in range(6)]
    assert upstream.most_open_connections <= 2


async def test_cancelled_requests_do_not_poison_the_pool() -> None:
    async def stall(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        if request.target == "/no-answer":
            await asyncio.sleep(10)
        elif request.target == "/half":  # the head and part of the body, then nothing
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + b"h" * 40)
            await writer.drain()
            await asyncio.sleep(10)
        else:
            writer.write(response(b"clean"))
        return True

    async with serve(stall) as upstream, _client() as client:
        for path in ("/no-answer", "/half"):
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await client.get(f"{upstream.url}{path}")
            assert _pool(client) == 0  # the dirty connection was closed, not pooled
            assert (await client.get(upstream.url)).content == b"clean"
            assert _pool(client) == 1


async def test_a_streamed_answer_left_half_read_closes_its_connection() -> None:
    async def big(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(b"b" * 5_000_000))
        return True

    async with serve(big) as upstream, _client() as client:
        async with client.stream("GET", upstream.url) as streamed:
            async for _ in streamed.aiter_raw():
                break
        assert _pool(client) == 0
        assert len((await client.get(upstream.url)).content) == 5_000_000
    assert upstream.connections == 2


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_https_with_keep_alive(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True,
                   capture_output=True)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    answered: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                answered.append(1)
                writer.write(response(b"secure"))
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context)
    url = f"https://localhost:{server.sockets[0].getsockname()[1]}/"
    trusting = ssl.create_default_context(cafile=str(cert))
    async with server:
        async with httpx.AsyncClient(transport=Http11Transport(2)) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(url)  # httpx's default CAs do not know this one
        async with httpx.AsyncClient(
                transport=Http11Transport(2, ssl_context=trusting)) as client:
            for _ in range(3):
                assert (await client.get(url)).content == b"secure"
            assert _pool(client) == 1
    assert len(answered) == 3


# -- through the gateway's client, and with a real uvicorn ------------------------------


async def test_refused_is_unavailable_after_the_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    async with _client() as http:
        upstream = UpstreamClient(http, UpstreamConfig(
            stage="encoder", base_url=f"http://127.0.0.1:{port}", connect_timeout_s=1,
            read_timeout_s=1, connect_retries=2, retry_backoff_s=0.001))
        with pytest.raises(UpstreamUnavailable) as caught:
            await upstream.post_json("/inference", b"{}", request_id="r")
        assert _pool(http) == 0
    assert caught.value.status_code == 503 and caught.value.stage == "encoder"


def _upstream_app() -> Starlette:
    async def upload(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse({"bytes": len(body), "chunked":
                             "chunked" in request.headers.get("transfer-encoding", "")})

    async def stream(request: Request) -> StreamingResponse:
        async def pieces() -> AsyncIterator[bytes]:
            for i in range(50):
                yield b"%04d" % i * 1000

        return StreamingResponse(pieces())

    return Starlette(routes=[Route("/upload", upload, methods=["POST"]),
                             Route("/stream", stream)])


async def test_against_uvicorn_streams_both_ways() -> None:
    config = uvicorn.Config(_upstream_app(), host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with _client() as client:
            uploaded = await client.post(f"http://127.0.0.1:{port}/upload",
                                         content=_body(3_000_000))
            streamed = await client.get(f"http://127.0.0.1:{port}/stream")
            uploaded_again = await client.post(f"http://127.0.0.1:{port}/upload",
                                               content=b"x" * 10)
    finally:
        server.should_exit = True
        await serving
    assert uploaded.json() == {"bytes": 3_000_000, "chunked": True}
    assert streamed.content == b"".join(b"%04d" % i * 1000 for i in range(50))
    assert uploaded_again.json() == {"bytes": 10, "chunked": False}


@pytest.fixture
def unreachable_gateway(tmp_path: Path) -> Iterator[TestClient]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = gateway_settings(tmp_path, encoder_url=dead, synthesizer_url=dead,
                                vocoder_url=dead, connect_retries=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_refused_upstream_is_503_through_the_gateway(unreachable_gateway: TestClient) -> None:
    answer = unreachable_gateway.post("/inference-c", json={
        "wav": [0.1, -0.1] * 8000, "sr": 16000, "text": "Hello there."})
    assert answer.status_code == 503
    assert answer.json()["error_type"] == "upstream_unavailable"
    assert answer.json()["stage"] == "encoder"
    passed = unreachable_gateway.post("/vocoder/inference", content=b"{}")
    assert passed.status_code == 503 and passed.json()["stage"] == "vocoder"
