"""The gateway's added latency over calling the upstreams directly (same run).

Fake upstreams with fixed answers (bench/gateway/fake_upstreams.py, uvicorn, one
process) stand in for the models, so the numbers isolate the gateway: its HTTP hops,
JSON handling, request log (SQLite) and middleware. Each iteration makes the same
calls directly and through the gateway, alternating, with a 10 s clip as JSON.

    direct  /inference-c: client -> encoder, synthesizer, vocoder (3 calls, raw bytes)
    gateway /inference-c: client -> gateway -> the same 3 calls
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import orjson

CLIP_SECONDS = 10.0
ITERATIONS = int(os.environ.get("BENCH_GATEWAY_ITERATIONS", "200"))
# A path: py-spy (pip install py-spy) samples the gateway during the timed /inference-c
# iterations and writes collapsed stacks there (`--format raw`, one line per stack).
PROFILE_PATH = os.environ.get("BENCH_GATEWAY_PROFILE", "")
WARMUP = 20
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


def _percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profile(pid: int) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).with_name("py-spy")
    process = subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--rate", "1000",
                                "--format", "raw", "--output", PROFILE_PATH])
    time.sleep(1.0)  # py-spy attaches before the timed calls start
    return process


def _time(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    ports = {name: _free_port() for name in ("encoder", "synthesizer", "vocoder", "gateway")}
    data_dir = tempfile.mkdtemp(prefix="bench-gateway-")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": data_dir,
           "GATEWAY_PORT": str(ports["gateway"]), "GATEWAY_LOG_LEVEL": "warning",
           # The optional self-check embeds the result again: an extra encoder call, not
           # gateway overhead; off here so both paths make the same upstream calls.
           "GATEWAY_SELF_CHECK": "false",
           **{f"GATEWAY_{n.upper()}_URL": f"http://127.0.0.1:{ports[n]}"
              for n in ("encoder", "synthesizer", "vocoder")}}
    env.pop("DATABASE_URL", None)
    processes = [
        subprocess.Popen([sys.executable, "-m", "bench.gateway.fake_upstreams",
                          str(ports["encoder"]), str(ports["synthesizer"]),
                          str(ports["vocoder"]), str(CLIP_SECONDS)], env=env, cwd=ROOT),
        subprocess.Popen([sys.executable, "-m", "voiceclone_gateway"], env=env, cwd=ROOT),
    ]
    try:
        _wait_ready(f"http://127.0.0.1:{ports['gateway']}/readyz")
        _run(ports, gateway_pid=processes[1].pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def _run(ports: dict[str, int], gateway_pid: int) -> None:
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    rng = np.random.default_rng(1)
    wav = (rng.uniform(-0.3, 0.3, int(CLIP_SECONDS * 16000))).astype(np.float32)
    text = "The quick brown fox jumps over the lazy dog."
    clip = orjson.dumps({"wav": wav, "sr": 16000, "text": text},
                        option=orjson.OPT_SERIALIZE_NUMPY)
    json_headers = {"content-type": "application/json"}

    with httpx.Client(timeout=60) as http:
        def direct_c() -> None:
            embed = orjson.loads(http.post(f"{url['encoder']}/inference", content=clip,
                                           headers=json_headers).content)["embed"]
            spec = http.post(f"{url['synthesizer']}/inference", headers=json_headers,
                             content=orjson.dumps({"embed": embed, "text": text})).content
            http.post(f"{url['vocoder']}/inference", content=spec, headers=json_headers)

        def gateway_c() -> None:
            response = http.post(f"{url['gateway']}/inference-c", content=clip,
                                 headers=json_headers)
            assert response.status_code == 200, response.text[:300]

        def direct_encoder() -> None:
            http.post(f"{url['encoder']}/inference", content=clip, headers=json_headers)

        def gateway_encoder() -> None:
            response = http.post(f"{url['gateway']}/encoder/inference", content=clip,
                                 headers=json_headers)
            assert response.status_code == 200

        rows = []
        for name, direct, via in (("/inference-c (10 s clip)", direct_c, gateway_c),
                                  ("pass-through /encoder/inference", direct_encoder,
                                   gateway_encoder)):
            for _ in range(WARMUP):
                direct()
                via()
            direct_ms, gateway_ms = [], []
            profiler = _profile(gateway_pid) if PROFILE_PATH and via is gateway_c else None
            cpu_before = _cpu_s(gateway_pid)
            for _ in range(ITERATIONS):
                direct_ms.append(_time(direct))
                gateway_ms.append(_time(via))
            cpu_ms = (_cpu_s(gateway_pid) - cpu_before) / ITERATIONS * 1000
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                profiler.wait(30)
            rows.append((name, _percentiles(direct_ms), _percentiles(gateway_ms), cpu_ms))

    print(f"gateway added latency: {ITERATIONS} alternating iterations per row after "
          f"{WARMUP} warm-up, {len(clip) / 1e6:.2f} MB JSON clip, fake upstreams")
    print("| route | direct p50 ms | gateway p50 ms | added p50 ms | direct p99 ms "
          "| gateway p99 ms | added p99 ms | gateway CPU ms/request |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (d50, d99), (g50, g99), cpu_ms in rows:
        print(f"| {name} | {d50:.2f} | {g50:.2f} | {g50 - d50:.2f} | {d99:.2f} | {g99:.2f} "
              f"| {g99 - d99:.2f} | {cpu_ms:.1f} |")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(other work shares the machine: compare within a run)")


if __name__ == "__main__":
    main()
