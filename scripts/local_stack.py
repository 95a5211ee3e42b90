"""Start the local stack exactly as `make run` does, on free ports, for tests and measurements.

    with LocalStack.start(workdir) as stack:      # scripts/run_stack.sh under honcho
        stack.wait_ready()                         # the `ready` process announced the URL
        ... stack.gateway_url, stack.service_pids(), stack.peak_rss_mb() ...

Every port is a free ephemeral one, DATA_DIR and MODELS_DIR are folders under `workdir`
(an empty models folder: the default backends), and no variable of the caller's
environment that configures a service leaks in. Used by tests/e2e and
scripts/measure_stack.py. Standard library only.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "encoder", "synthesizer", "vocoder")
_CONFIGURING = ("GATEWAY_", "ENCODER_", "SYNTHESIZER_", "VOCODER_")
_UNSET = {"DATABASE_URL", "MODELS_DIR", "DATA_DIR", "PORT", "PROCFILE"}
_STARTED = re.compile(r"system\s+\| (?P<name>[\w-]+)\.1 started \(pid=(?P<pid>\d+)\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment(
    workdir: Path, base: Mapping[str, str] | None = None, **overrides: str
) -> dict[str, str]:
    """The environment `make run` would get, with free ports and folders under `workdir`."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items() if not k.startswith(_CONFIGURING) and k not in _UNSET}
    for name in SERVICES:
        port = free_port()
        env[f"{name.upper()}_PORT"] = str(port)
        if name != "gateway":
            env[f"GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    for folder in ("data", "models"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
    env["DATA_DIR"] = str(workdir / "data")
    env["MODELS_DIR"] = str(workdir / "models")
    env["VENV"] = str(Path(sys.executable).parent.parent)
    env.update(overrides)
    return env


class LocalStack:
    """scripts/run_stack.sh in its own session; its prefixed output collected by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.gateway_url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        self.output: list[str] = []
        self.started_at = time.monotonic()
        self._lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "run_stack.sh")], env=env, cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    @classmethod
    @contextmanager
    def start(cls, workdir: Path, **overrides: str) -> Iterator[LocalStack]:
        stack = cls(stack_environment(workdir, **overrides))
        try:
            yield stack
        finally:
            stack.stop()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def _drain(self) -> None:
        while not self._lines.empty():
            self.output.append(self._lines.get())

    def wait_for(self, pattern: str, timeout_s: float) -> str:
        """The first new output line matching `pattern`; AssertionError with the log if none."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.output.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; the stack said:\n{self.log()}")

    def wait_ready(self, timeout_s: float = 180.0) -> float:
        """Seconds from start until the `ready` process announced the URL."""
        self.wait_for(r"ready\.1\s+\| voiceclone is ready: open ", timeout_s)
        return time.monotonic() - self.started_at

    def log(self, last: int = 200) -> str:
        self._drain()
        return "\n".join(self.output[-last:])

    def service_pids(self) -> dict[str, int]:
        """Process name -> pid, as honcho announced them."""
        self._drain()
        return {m["name"]: int(m["pid"]) for line in self.output
                if (m := _STARTED.search(line))}

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of each service's Python process so far, in MB."""
        peaks = {}
        for name, pid in self.service_pids().items():
            if name == "ready":
                continue
            for process in (pid, *_children(pid)):  # honcho's pid may be the shell
                try:
                    status = Path(f"/proc/{process}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
                if match:
                    peaks[name] = max(peaks.get(name, 0.0), int(match.group(1)) / 1024)
        return peaks

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """Ctrl-C, as a person would; SIGKILL the whole session if that does not do."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                return None
        return self.proc.returncode


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # field 4 of /proc/PID/stat: the parent's pid
            children.append(int(stat.parent.name))
    return children
