"""A stack for the people-facing tests: fake upstreams and the real gateway, each a real
HTTP server (uvicorn on an ephemeral port in a thread), because the CLI, the browser and
the openai client are separate HTTP clients.

The fakes keep the contracts' shapes and make outputs depend on their inputs, so a
test can tell voices and texts apart:
    encoder      /inference, /embed/speaker, /similarity: 256 log band energies of the spectrum,
                 L2-normalised (non-negative like GE2E's)
    synthesizer  /inference: 80 x (8 per character) frames, levels from the embedding
    vocoder      /inference: (frames - 1) x 200 samples of a tone whose pitch follows the mel
Each can be told to sleep per call (to measure streaming) or to fail.

Importable as `people_stack`: pytest puts tests/support on sys.path (root pyproject.toml).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from voiceclone_contracts.encoder import InferenceRequest, SimilarityRequest, SpeakerRequest
from voiceclone_contracts.synthesizer import SynthesizeRequest
from voiceclone_contracts.vocoder import VocodeRequest

HOP = 200
FRAMES_PER_CHAR = 8


@dataclass
class FakeBehaviour:
    """Knobs a test turns: seconds to sleep per call, and status codes to answer with."""

    delay_s: dict[str, float] = field(default_factory=dict)
    fail: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    async def enter(self, stage: str) -> JSONResponse | None:
        self.calls[stage] = self.calls.get(stage, 0) + 1
        if self.delay_s.get(stage):
            await asyncio.sleep(self.delay_s[stage])
        if stage in self.fail:
            status, body = self.fail[stage]
            return JSONResponse(body, status_code=status)
        return None


def fake_embedding(wav: list[float] | np.ndarray, sr: int) -> list[float]:
    x = np.asarray(wav, dtype=np.float32)
    if x.size < sr // 4 or float(np.abs(x).max(initial=0.0)) < 1e-4:
        raise ValueError("too little speech")
    spectrum = np.abs(np.fft.rfft(x[: sr * 4], n=4096))[:2048]
    bands = np.log1p(spectrum.reshape(256, 8).sum(axis=1))
    return (bands / np.linalg.norm(bands)).tolist()


def _too_short() -> JSONResponse:
    return JSONResponse({"error": "the audio holds too little speech: give at least 1 s",
                         "error_type": "invalid_audio"}, status_code=422)


def fake_encoder(behaviour: FakeBehaviour) -> FastAPI:
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/inference")
    async def inference(body: InferenceRequest) -> Any:
        if (failed := await behaviour.enter("encoder")) is not None:
            return failed
        try:
            return {"embed": fake_embedding(body.wav, body.sr)}
        except ValueError:
            return _too_short()

    @app.post("/embed/speaker")
    async def speaker(body: SpeakerRequest) -> Any:
        if (failed := await behaviour.enter("encoder")) is not None:
            return failed
        try:
            embeds = np.array([fake_embedding(u.wav, u.sr) for u in body.utterances])
        except ValueError:
            return _too_short()
        mean = embeds.mean(axis=0)
        return {"embed": (mean / np.linalg.norm(mean)).tolist(),
                "speech_seconds": sum(len(u.wav) / u.sr for u in body.utterances)}

    @app.post("/similarity")
    async def similarity(body: SimilarityRequest) -> Any:
        await behaviour.enter("encoder")
        a = body.embed_a or fake_embedding(body.a.wav, body.a.sr)  # type: ignore[union-attr]
        b = body.embed_b or fake_embedding(body.b.wav, body.b.sr)  # type: ignore[union-attr]
        cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        return {"cosine": cosine, "same_speaker": cosine >= 0.83, "threshold": 0.83}

    return app


def fake_synthesizer(behaviour: FakeBehaviour) -> FastAPI:
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/inference")
    async def inference(body: SynthesizeRequest) -> Any:
        if (failed := await behaviour.enter("synthesizer")) is not None:
            return failed
        if not body.text.strip():
            return JSONResponse({"error": "text is empty", "error_type": "invalid_input"}, 422)
        frames = FRAMES_PER_CHAR * len(body.text)
        level = np.asarray(body.embed[:80], dtype=np.float32) * 8 - 4
        ramp = np.linspace(-1, 1, frames, dtype=np.float32)
        spec = np.clip(level[:, None] + ramp[None, :], -4, 4)
        return {"spec": spec.tolist()}

    return app


def fake_vocoder(behaviour: FakeBehaviour) -> FastAPI:
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/inference")
    async def inference(body: VocodeRequest) -> Any:
        if (failed := await behaviour.enter("vocoder")) is not None:
            return failed
        spec = np.asarray(body.spec, dtype=np.float32)
        n = (spec.shape[1] - 1) * HOP
        pitch_hz = 120 + 20 * float(spec.mean() + 4)
        t = np.arange(n, dtype=np.float32) / 16000
        wav = 0.3 * np.sin(2 * np.pi * pitch_hz * t) + 0.1 * np.sin(2 * np.pi * 3 * pitch_hz * t)
        return {"wav": wav.astype(np.float32).tolist(), "sr": 16000}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at an ephemeral port in a thread; yields its base URL."""
    port = free_port()
    # A keep-alive longer than the clients' pool expiry (httpx: 5 s), so that no test
    # reuses a connection at the moment the server closes it (a ReadError, not a bug).
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class FakeStack:
    url: str
    behaviour: FakeBehaviour
    upstreams: dict[str, str]


@contextmanager
def fake_upstreams(behaviour: FakeBehaviour | None = None) -> Iterator[dict[str, str]]:
    behaviour = behaviour or FakeBehaviour()
    with serve(fake_encoder(behaviour)) as enc, serve(fake_synthesizer(behaviour)) as syn, \
            serve(fake_vocoder(behaviour)) as voc:
        yield {"encoder": enc, "synthesizer": syn, "vocoder": voc}


@contextmanager
def gateway(upstreams: dict[str, str], data_dir: str, **overrides: Any) -> Iterator[str]:
    """The real gateway app, pointed at `upstreams`, served on an ephemeral port."""
    from voiceclone_gateway.app import create_app
    from voiceclone_gateway.config import Settings

    values: dict[str, Any] = {
        "encoder_url": upstreams["encoder"],
        "synthesizer_url": upstreams["synthesizer"],
        "vocoder_url": upstreams["vocoder"],
        "DATA_DIR": data_dir,
        "DATABASE_URL": "",
        "log_flush_interval_s": 0.05,
    }
    values.update(overrides)
    with serve(create_app(Settings.model_validate(values))) as url:
        yield url

