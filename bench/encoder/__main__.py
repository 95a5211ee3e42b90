"""Encoder benchmark: this service vs the original design vs the model-only bound.

`BENCH=encoder make bench`. Every server is a real uvicorn process on an ephemeral port;
clients are httpx (asyncio) in this process, sending pre-built bodies. Cells: 1/4/16
concurrent clients x 3/10/30 s clips x JSON/file upload, for the baseline (the original
design, bench/encoder/baseline_server.py) and this service in fp32; the opt-in bf16 mode
on the headline cells. Throughput is audio seconds embedded per wall second; latency is
per request. `BENCH_ENCODER_SECONDS` (default 4) is the time spent per cell;
`BENCH_ENCODER_QUICK=1` runs the headline cells only; `BENCH_ENCODER_CELLS=json:10:16,...`
(mode:clip seconds:clients) picks cells.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import orjson
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

CLIP_SECONDS = (3, 10, 30)
CONCURRENCY = (1, 4, 16)
SENTENCES = [
    "The quick brown fox jumps over the lazy dog, and then it runs far away into the forest.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack.",
    "We also need a small plastic snake and a big toy frog for the kids.",
    "She can scoop these things into three red bags, and we will go meet her on Wednesday.",
    "A rainbow is a division of white light into many beautiful colors.",
]


@dataclass
class Cell:
    server: str
    mode: str
    clip_s: int
    clients: int
    requests: int
    throughput: float  # audio s per wall s
    p50_ms: float
    p99_ms: float
    errors: int


def make_clips() -> dict[int, np.ndarray]:
    from conftest import make_speech

    voices = [("en-US", 1.0), ("en-GB", 1.0)]
    parts = [make_speech(s, voice=voices[i % 2][0]) for i, s in enumerate(SENTENCES * 2)]
    long = np.concatenate(parts)
    assert len(long) >= 30 * 16000, len(long) / 16000
    return {s: long[: s * 16000].copy() for s in CLIP_SECONDS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def wait_ready(self, path: str, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.proc.stderr.read().decode()[-2000:]
                raise RuntimeError(f"{self.name} exited: {log}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout_s} s")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_baseline() -> Server:
    port = free_port()
    server = Server("baseline", [sys.executable, "-m", "uvicorn",
                                 "bench.encoder.baseline_server:app", "--port", str(port),
                                 "--log-level", "warning"], {}, port)
    server.wait_ready("/check")
    return server


def start_service(precision: str) -> Server:
    port = free_port()
    env = {"ENCODER_PORT": str(port), "ENCODER_PRECISION": precision,
           "ENCODER_LOG_LEVEL": "warning", "ENCODER_MAX_QUEUE_PARTIALS": "100000"}
    server = Server(precision, [sys.executable, "-m", "voiceclone_encoder"], env, port)
    server.wait_ready("/readyz")
    return server


def bodies(clip: np.ndarray) -> dict[str, dict]:
    buffer = io.BytesIO()
    sf.write(buffer, clip, 16000, format="WAV", subtype="PCM_16")
    return {
        "json": {"content": orjson.dumps({"wav": clip.tolist(), "sr": 16000}),
                 "headers": {"content-type": "application/json"}},
        "file": {"files": {"file": ("clip.wav", buffer.getvalue(), "audio/wav")}},
    }


async def run_cell(url: str, mode: str, body: dict, clients: int, clip_s: int,
                   budget_s: float) -> tuple[list[float], int, float]:
    path = "/inference" if mode == "json" else "/embed/file"
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        await client.post(path, **body)  # warm the connection and the server path
        start = time.perf_counter()
        deadline = start + budget_s
        min_requests = max(clients, 4)

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline or len(latencies) + errors < min_requests:
                t0 = time.perf_counter()
                response = await client.post(path, **body)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, errors, elapsed


def measure(server: Server, clips: dict[int, np.ndarray], cells: list[tuple[str, int, int]],
            budget_s: float) -> list[Cell]:
    results = []
    prepared = {s: bodies(c) for s, c in clips.items()}
    for mode, clip_s, clients in cells:
        lat, errors, elapsed = asyncio.run(
            run_cell(server.url, mode, prepared[clip_s][mode], clients, clip_s, budget_s)
        )
        ms = np.array(lat) * 1000
        cell = Cell(server.name, mode, clip_s, clients, len(lat), len(lat) * clip_s / elapsed,
                    float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), errors)
        print(f"  {cell.server:8s} {mode:4s} {clip_s:2d} s x{clients:2d}: "
              f"{cell.throughput:7.1f} audio-s/s  p50 {cell.p50_ms:7.1f} ms  "
              f"p99 {cell.p99_ms:7.1f} ms  n={cell.requests} err={errors}", flush=True)
        results.append(cell)
    return results


def model_bound(n_partials: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.encoder.model_bound", str(n_partials), "10"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from voiceclone_encoder.audio import preprocess_wav
    from voiceclone_encoder.partials import partial_starts

    budget_s = float(os.environ.get("BENCH_ENCODER_SECONDS", "4"))
    started = time.perf_counter()
    clips = make_clips()
    n_partials = len(partial_starts(len(preprocess_wav(clips[10], 16000))))
    print(f"clips: {', '.join(f'{s} s' for s in clips)}; the 10 s clip has {n_partials} "
          f"partial windows after trimming; {os.cpu_count()} cores", flush=True)
    bound = model_bound(n_partials)
    print("model-only bound (LSTM alone, 10 s clip):", json.dumps(bound), flush=True)

    all_cells = [(m, s, c) for m in ("json", "file") for s in CLIP_SECONDS for c in CONCURRENCY]
    # The baseline embeds one request at a time on its event loop: 16 clients x 30 s clips
    # would take minutes per cell on a busy machine, so that cell is left out for it.
    baseline_cells = [c for c in all_cells if c[1:] != (30, 16)]
    headline = [("json", 10, 1), ("json", 10, 16)]
    if os.environ.get("BENCH_ENCODER_QUICK") == "1":  # a smoke run: the headline cells only
        all_cells = baseline_cells = headline
    if os.environ.get("BENCH_ENCODER_CELLS"):  # e.g. "json:10:1,json:10:16,file:10:16"
        all_cells = baseline_cells = [
            (m, int(s), int(c)) for m, s, c in
            (cell.split(":") for cell in os.environ["BENCH_ENCODER_CELLS"].split(","))
        ]
    results: list[Cell] = []
    rss: dict[str, float] = {}
    plan = [("baseline", start_baseline, baseline_cells), ("fp32", lambda: start_service("fp32"),
             all_cells), ("bf16", lambda: start_service("bf16"), headline)]
    for name, start, cells in plan:
        print(f"{name}:", flush=True)
        server = start()
        try:
            results += measure(server, clips, cells, budget_s)
            rss[name] = server.peak_rss_mb()
        finally:
            server.stop()
    from bench.encoder.report import print_report

    print_report(results, bound, rss, n_partials, time.perf_counter() - started)


if __name__ == "__main__":
    main()
