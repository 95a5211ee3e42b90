"""`python -m voiceclone_vocoder` as a real process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "MODELS_DIR": str(tmp_path), "VOCODER_HOST": "127.0.0.1", **extra}


def test_serves_inference(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, VOCODER_PORT=str(port), VOCODER_GRIFFIN_LIM_ITERS="5",
               VOCODER_TORCH_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "voiceclone_vocoder"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "vocoder did not become ready in 60 s"
            time.sleep(0.1)
        res = httpx.post(f"{url}/inference", json={"spec": [[-2.0] * 20] * 80, "sr": 16000},
                         timeout=30)
        assert res.status_code == 200
        assert len(res.json()["wav"]) == 20 * 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_missing_checkpoint_stops_the_process_with_the_reason(tmp_path: Path) -> None:
    env = _env(tmp_path, VOCODER_PORT=str(_free_port()), VOCODER_BACKEND="wavernn")
    proc = subprocess.run([sys.executable, "-m", "voiceclone_vocoder"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f"WaveRNN checkpoint not found at {tmp_path / 'vocoder.pt'}" in proc.stderr
