"""Encoder benchmark: this service vs the original design vs the model-only bound.

`BENCH=encoder make bench`. Every server is a real uvicorn process on an ephemeral port;
clients run in this process, one keep-alive connection each, sending pre-built request
bytes over raw asyncio sockets (bench/encoder/client.py: the same lean client for
every server, since it shares the cores with them). Cells: 1/4/16 concurrent clients x
3/10/30 s clips x JSON/file upload, for the baseline (the original design,
bench/encoder/baseline_server.py) and this service in fp32; the opt-in bf16 mode on
the headline cells. Throughput is audio seconds embedded per wall second; latency is
per request. `BENCH_ENCODER_SECONDS` (default 4) is the time per cell;
`BENCH_ENCODER_QUICK=1` runs the headline cells (json 10 s x1 and x16) plus json 30 s
x16 for fp32, the cell that sets its peak RSS; `BENCH_ENCODER_CELLS=json:10:16,...`
(mode:clip seconds:clients) picks cells. The model-only bound is measured at the start
and again right before and after fp32's json 10 s x16 cell (the machine is shared:
its speed changes from minute to minute); that cell is compared with the mean of the
two adjacent measurements.
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

from bench.encoder.client import Connection, build_request, multipart

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

CLIP_SECONDS = (3, 10, 30)
CONCURRENCY = (1, 4, 16)
HEADLINE_X16 = ("json", 10, 16)
N_PARTIALS_10S = 10  # set from the clip in main()
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


def requests(clip: np.ndarray, port: int) -> dict[str, bytes]:
    """The request bytes of each mode, built once (JSON /inference, multipart WAV)."""
    buffer = io.BytesIO()
    sf.write(buffer, clip, 16000, format="WAV", subtype="PCM_16")
    form, form_type = multipart("file", "clip.wav", buffer.getvalue(), "audio/wav")
    json_body = orjson.dumps({"wav": clip.tolist(), "sr": 16000})
    return {
        "json": build_request("127.0.0.1", port, "/inference", json_body, "application/json"),
        "file": build_request("127.0.0.1", port, "/embed/file", form, form_type),
    }


async def run_cell(port: int, request: bytes, clients: int,
                   budget_s: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    connections = [Connection("127.0.0.1", port) for _ in range(clients)]
    # Warm every connection and the server path before the clock starts.
    await asyncio.gather(*(c.send(request) for c in connections))
    start = time.perf_counter()
    deadline = start + budget_s
    min_requests = max(clients, 4)

    async def worker(connection: Connection) -> None:
        nonlocal errors
        while time.perf_counter() < deadline or len(latencies) + errors < min_requests:
            t0 = time.perf_counter()
            response = await connection.send(request)
            if response.status == 200:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    return latencies, errors, time.perf_counter() - start


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def measure(server: Server, clips: dict[int, np.ndarray], cells: list[tuple[str, int, int]],
            budget_s: float, adjacent_bound: dict[str, float] | None = None) -> list[Cell]:
    results = []
    prepared = {s: requests(c, server.port) for s, c in clips.items()}
    for mode, clip_s, clients in cells:
        headline = adjacent_bound is not None and (mode, clip_s, clients) == HEADLINE_X16
        if headline:
            adjacent_bound["before"] = workers_bound()
        load = load_average()
        lat, errors, elapsed = asyncio.run(
            run_cell(server.port, prepared[clip_s][mode], clients, budget_s)
        )
        if headline:
            adjacent_bound["after"] = workers_bound()
        ms = np.array(lat) * 1000
        cell = Cell(server.name, mode, clip_s, clients, len(lat), len(lat) * clip_s / elapsed,
                    float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), errors)
        print(f"  {cell.server:8s} {mode:4s} {clip_s:2d} s x{clients:2d}: "
              f"{cell.throughput:7.1f} audio-s/s  p50 {cell.p50_ms:7.1f} ms  "
              f"p99 {cell.p99_ms:7.1f} ms  n={cell.requests} err={errors}  "
              f"peak RSS so far {server.peak_rss_mb():.0f} MB  load {load}", flush=True)
        results.append(cell)
    return results


def model_bound(n_partials: int, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.encoder.model_bound", str(n_partials), "10", *extra],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def workers_bound() -> float:
    """fp32, one model thread per core, LSTM alone: audio-s/s (about 3 s)."""
    bound = model_bound(N_PARTIALS_10S, "fp32", "workers")["fp32_workers"]["audio_s_per_s"]
    print(f"  model-only bound (fp32_workers) now: {bound:.1f} audio-s/s", flush=True)
    return bound


def main() -> None:
    from voiceclone_encoder.audio import preprocess_wav
    from voiceclone_encoder.partials import partial_starts

    global N_PARTIALS_10S
    budget_s = float(os.environ.get("BENCH_ENCODER_SECONDS", "4"))
    started = time.perf_counter()
    print(f"load average at start: {load_average()}", flush=True)
    clips = make_clips()
    N_PARTIALS_10S = len(partial_starts(len(preprocess_wav(clips[10], 16000))))
    print(f"clips: {', '.join(f'{s} s' for s in clips)}; the 10 s clip has {N_PARTIALS_10S} "
          f"partial windows after trimming; {os.cpu_count()} cores", flush=True)
    bound = model_bound(N_PARTIALS_10S)
    print("model-only bound (LSTM alone, 10 s clip):", json.dumps(bound), flush=True)

    all_cells = [(m, s, c) for m in ("json", "file") for s in CLIP_SECONDS for c in CONCURRENCY]
    # The baseline embeds one request at a time on its event loop: 16 clients x 30 s clips
    # would take minutes per cell on a busy machine, so that cell is left out for it.
    baseline_cells = [c for c in all_cells if c[1:] != (30, 16)]
    headline = [("json", 10, 1), HEADLINE_X16]
    if os.environ.get("BENCH_ENCODER_QUICK") == "1":  # the headline cells, and fp32's RSS cell
        baseline_cells = headline
        all_cells = [*headline, ("json", 30, 16)]
    if os.environ.get("BENCH_ENCODER_CELLS"):  # e.g. "json:10:1,json:10:16,file:10:16"
        all_cells = baseline_cells = [
            (m, int(s), int(c)) for m, s, c in
            (cell.split(":") for cell in os.environ["BENCH_ENCODER_CELLS"].split(","))
        ]
    results: list[Cell] = []
    rss: dict[str, float] = {}
    adjacent: dict[str, float] = {}
    plan = [("baseline", start_baseline, baseline_cells, None),
            ("fp32", lambda: start_service("fp32"), all_cells, adjacent),
            ("bf16", lambda: start_service("bf16"), headline, None)]
    for name, start, cells, adjacent_bound in plan:
        print(f"{name}:", flush=True)
        server = start()
        try:
            results += measure(server, clips, cells, budget_s, adjacent_bound)
            rss[name] = server.peak_rss_mb()
        finally:
            server.stop()
    from bench.encoder.report import print_report

    print_report(results, bound, rss, N_PARTIALS_10S, time.perf_counter() - started, adjacent)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
