"""The container's and Heroku's exact command lines really serve: gunicorn with uvicorn
workers, bound to $PORT, answering /livez, and the image's healthcheck following /readyz.

The gateway stands in for every service (no model to load; its upstreams are absent, so
it is alive but not ready, which is what the healthcheck must notice).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("voiceclone_gateway.app") is None
    or not (VENV_BIN / "gunicorn").exists(),
    reason="needs voiceclone_gateway.app and gunicorn (make install)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GATEWAY_") and k not in {"DATABASE_URL", "PORT"}}
    dead = free_port()  # upstreams that do not answer: alive, not ready
    env.update({
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "PORT": str(port),
        "DATA_DIR": str(tmp_path),
        "GATEWAY_ENCODER_URL": f"http://127.0.0.1:{dead}",
        "GATEWAY_SYNTHESIZER_URL": f"http://127.0.0.1:{dead}",
        "GATEWAY_VOCODER_URL": f"http://127.0.0.1:{dead}",
    })
    return env


def wait_alive(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 40.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{url}/livez", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url}/livez did not answer within {timeout_s} s")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_container_command_serves_with_workers_from_the_environment(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    env = server_env(tmp_path, port) | {"SERVICE": "gateway", "WEB_CONCURRENCY": "2"}
    entrypoint = str(REPO_ROOT / "deploy" / "docker" / "entrypoint.py")
    proc = subprocess.Popen([sys.executable, entrypoint, "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started.append(proc)
    url = f"http://127.0.0.1:{port}"
    wait_alive(url, proc)
    readyz = httpx.get(f"{url}/readyz", timeout=10)
    assert readyz.status_code == 503 and readyz.json()["status"] == "unavailable"
    # The image's HEALTHCHECK command sees the same thing.
    check = subprocess.run([sys.executable, entrypoint, "healthcheck"], env=env, timeout=30)
    assert check.returncode == 1
    proc.send_signal(signal.SIGTERM)  # `docker stop`
    output = proc.communicate(timeout=30)[0].decode()
    assert output.count("Booting worker") == 2, output
    assert proc.returncode == 0, output


def test_heroku_procfile_command_serves_on_port(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    procfile = (REPO_ROOT / "deploy" / "heroku" / "gateway" / "Procfile").read_text()
    command = procfile.strip().removeprefix("web: ")
    port = free_port()
    env = server_env(tmp_path, port)  # no DATABASE_URL, no add-on: SQLite under DATA_DIR
    proc = subprocess.Popen(["bash", "-c", command], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started.append(proc)
    wait_alive(f"http://127.0.0.1:{port}", proc)
    os.killpg(proc.pid, signal.SIGTERM)  # Heroku stops a dyno with SIGTERM
    output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output
