"""Start the real stack the way `make run` does: scripts/run_stack.sh (honcho + Procfile).

Every port is a free ephemeral one, DATA_DIR and MODELS_DIR are temporary folders (so
the default backends run and the SQLite request log lands there), and nothing of the
caller's environment that configures a service leaks in.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "encoder": "voiceclone_encoder.app",
    "synthesizer": "voiceclone_synthesizer.app",
    "vocoder": "voiceclone_vocoder.app",
    "gateway": "voiceclone_gateway.app",
}
SERVICE_PREFIXES = ("GATEWAY_", "ENCODER_", "SYNTHESIZER_", "VOCODER_")
READY_TIMEOUT_S = 120.0


def missing_apps() -> list[str]:
    missing = []
    for name, module in APPS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(f"{name} ({module})")
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack:
    """scripts/run_stack.sh in its own session, its prefixed output collected by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.gateway_url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "run_stack.sh")], env=env, cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    break
                continue
            self.output.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; the stack said:\n{self.log()}")

    def log(self) -> str:
        while not self._lines.empty():
            self.output.append(self._lines.get())
        return "\n".join(self.output[-200:])

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """Ctrl-C, as a person would; SIGKILL the whole session if that does not do."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                return None
        return self.proc.returncode


def stack_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(SERVICE_PREFIXES) and k not in {"DATABASE_URL", "MODELS_DIR",
                                                               "DATA_DIR", "PORT"}}
    ports = {name: free_port() for name in ("gateway", "encoder", "synthesizer", "vocoder")}
    for name, port in ports.items():
        env[f"{name.upper()}_PORT"] = str(port)
        if name != "gateway":
            env[f"GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    (tmp_path / "data").mkdir()
    (tmp_path / "models").mkdir()  # empty: the default backends, nothing to download
    env["DATA_DIR"] = str(tmp_path / "data")
    env["MODELS_DIR"] = str(tmp_path / "models")
    env["VENV"] = str(Path(sys.executable).parent.parent)
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    missing = missing_apps()
    if missing:
        pytest.skip("service packages not importable yet: " + ", ".join(missing))
    running = RunningStack(stack_environment(tmp_path_factory.mktemp("stack")))
    try:
        running.wait_for(r"ready\.1\s+\| voiceclone is ready: open ", READY_TIMEOUT_S)
        yield running
    finally:
        running.stop()
