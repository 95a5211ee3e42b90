"""Fake encoder, synthesizer and vocoder for the gateway benchmark: fixed answers.

`python -m bench.gateway.fake_upstreams ENCODER_PORT SYNTH_PORT VOCODER_PORT SECONDS`
serves all three from one process (uvicorn, 127.0.0.1). They read the whole request
body, as the real services do, and answer with prebuilt bytes of the right shape for
SECONDS of speech, so that they cost the same whether the gateway or the benchmark
itself calls them: the difference is the gateway's own cost.
"""

from __future__ import annotations

import asyncio
import sys

import numpy as np
import orjson
import uvicorn

HOP = 200


def _answers(seconds: float) -> dict[str, bytes]:
    frames = int(seconds * 16000 / HOP) + 1
    rng = np.random.default_rng(0)
    embed = rng.random(256)
    wav = (rng.uniform(-0.5, 0.5, (frames - 1) * HOP)).astype(np.float32)
    return {
        "encoder": orjson.dumps({"embed": embed / np.linalg.norm(embed)},
                                option=orjson.OPT_SERIALIZE_NUMPY),
        "synthesizer": orjson.dumps({"spec": rng.uniform(-4, 4, (80, frames))
                                     .astype(np.float32)}, option=orjson.OPT_SERIALIZE_NUMPY),
        "vocoder": orjson.dumps({"wav": wav, "sr": 16000}, option=orjson.OPT_SERIALIZE_NUMPY),
    }


def make_app(answer: bytes):  # type: ignore[no-untyped-def]
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body = answer if scope["path"] == "/inference" else b'{"status":"ok","checks":{}}'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


async def main(ports: list[int], seconds: float) -> None:
    answers = _answers(seconds)
    servers = [
        uvicorn.Server(uvicorn.Config(make_app(answers[name]), host="127.0.0.1", port=port,
                                      log_level="warning", access_log=False))
        for name, port in zip(("encoder", "synthesizer", "vocoder"), ports, strict=True)
    ]
    await asyncio.gather(*(server.serve() for server in servers))


if __name__ == "__main__":
    asyncio.run(main([int(p) for p in sys.argv[1:4]], float(sys.argv[4])))
