"""`make run` mechanics: scripts/run_stack.sh + honcho + the Procfile + scripts/wait_ready.py.

The real services are heavy; here small stand-ins (an HTTP server whose /readyz turns
200 after a delay) take their Procfile entries, while the `ready` waiter and
run_stack.sh are the real ones. The real stack is started by tests/e2e.
"""

from __future__ import annotations

import http.server
import io
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
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FAKE_SERVICE = '''
import http.server, os, sys, threading, time
port, ready_after_s, die_after_s = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
pid_file = sys.argv[4]
start = time.monotonic()
open(pid_file, "w").write(str(os.getpid()))
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = time.monotonic() - start >= ready_after_s
        body = b'{"status":"ok","checks":{"model":"ok"}}' if ready else \\
            b'{"status":"unavailable","checks":{"model":"warming up"}}'
        self.send_response(200 if ready else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"listening on {port}", flush=True)
if die_after_s > 0:
    threading.Timer(die_after_s, lambda: os._exit(3)).start()
server.serve_forever()
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- scripts/wait_ready.py as a library ----

def test_default_stack_is_four_services_on_standard_ports(wait_ready: ModuleType) -> None:
    endpoints = wait_ready.stack_endpoints({})
    assert [(e.name, e.base_url) for e in endpoints] == [
        ("encoder", "http://127.0.0.1:8001"),
        ("synthesizer", "http://127.0.0.1:8002"),
        ("vocoder", "http://127.0.0.1:8004"),
        ("gateway", "http://127.0.0.1:8000"),
    ]


def test_ports_hosts_and_split_come_from_the_services_variables(wait_ready: ModuleType) -> None:
    env = {"GATEWAY_PORT": "9100", "ENCODER_HOST": "0.0.0.0",
           "SYNTHESIZER_MODEL_URL": "http://127.0.0.1:9103", "SYNTHESIZER_MODEL_PORT": "9103"}
    urls = {e.name: e.base_url for e in wait_ready.stack_endpoints(env)}
    assert urls["gateway"] == "http://127.0.0.1:9100"
    assert urls["encoder"] == "http://127.0.0.1:8001"  # bound everywhere, polled on loopback
    assert urls["synthesizer-model"] == "http://127.0.0.1:9103"


class _Readyz(http.server.BaseHTTPRequestHandler):
    status = 503

    def do_GET(self) -> None:
        body = (b'{"status":"unavailable","checks":{"model":"loading","database":"ok"}}'
                if self.status == 503 else b'{"status":"ok","checks":{}}')
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def readyz() -> Iterator[tuple[str, type[_Readyz]]]:
    handler = type("Handler", (_Readyz,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_probe_reports_the_failing_checks(
    wait_ready: ModuleType, readyz: tuple[str, type[_Readyz]]
) -> None:
    url, handler = readyz
    endpoint = wait_ready.Endpoint("encoder", url)
    assert wait_ready.probe(endpoint) == (False, "model: loading")
    handler.status = 200
    assert wait_ready.probe(endpoint) == (True, "ready")
    ready, reason = wait_ready.probe(wait_ready.Endpoint("x", f"http://127.0.0.1:{free_port()}"))
    assert not ready and reason.startswith("not answering")


def test_wait_reports_laggards_and_gives_up_only_with_a_timeout(
    wait_ready: ModuleType, readyz: tuple[str, type[_Readyz]]
) -> None:
    url, handler = readyz
    out = io.StringIO()
    endpoints = [wait_ready.Endpoint("vocoder", url)]
    ok = wait_ready.wait_until_ready(
        endpoints, out=out, poll_interval_s=0.05, report_every_s=0.1, timeout_s=0.5
    )
    assert not ok
    assert "still waiting for vocoder" in out.getvalue()
    assert re.search(r"gave up waiting for vocoder after \d+ s: model: loading$", out.getvalue(),
                     re.MULTILINE)
    threading.Timer(0.3, lambda: setattr(handler, "status", 200)).start()
    out = io.StringIO()
    assert wait_ready.wait_until_ready(endpoints, out=out, poll_interval_s=0.05)
    assert f"vocoder is ready at {url}" in out.getvalue()


# ---- the Procfile ----

def test_procfile_has_every_service_and_the_waiter(entrypoint: ModuleType) -> None:
    from honcho.environ import parse_procfile

    processes = parse_procfile((REPO_ROOT / "Procfile").read_text()).processes
    assert set(processes) == {*entrypoint.SERVICES, "ready"}
    for service, (app, _) in entrypoint.SERVICES.items():
        package = app.split(":")[0].removesuffix(".app")
        # `python -m <package>` runs the same app the images serve.
        assert processes[service].endswith(f"python -m {package}"), service
    assert processes["ready"].endswith("scripts/wait_ready.py")


# ---- run_stack.sh under honcho, with stand-in services ----

class Stack:
    """run_stack.sh in its own session; its output is collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.proc = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "run_stack.sh")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout_s: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.seen))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    ports = {name: free_port() for name in ("GATEWAY", "ENCODER", "SYNTHESIZER",
                                              "SYNTHESIZER_MODEL", "VOCODER")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(ports))}
    env.pop("SYNTHESIZER_MODEL_URL", None)
    env.update({f"{name}_PORT": str(port) for name, port in ports.items()})
    env["VENV"] = str(Path(sys.executable).parent.parent)
    (tmp_path / "fake_service.py").write_text(FAKE_SERVICE)
    return env


def write_procfile(tmp_path: Path, die: dict[str, float] | None = None) -> Path:
    die = die or {}
    lines = []
    for name in ("gateway", "encoder", "synthesizer", "synthesizer-model", "vocoder"):
        variable = name.upper().replace("-", "_") + "_PORT"
        lines.append(
            f"{name}: {sys.executable} {tmp_path / 'fake_service.py'} ${variable} 0.5 "
            f"{die.get(name, 0)} {tmp_path / name}.pid"
        )
    lines.append(f"ready: {sys.executable} {REPO_ROOT / 'scripts' / 'wait_ready.py'}")
    path = tmp_path / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def pids(tmp_path: Path) -> list[int]:
    return [int(p.read_text()) for p in tmp_path.glob("*.pid") if p.read_text()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stack_becomes_ready_prints_the_url_and_ctrl_c_stops_everything(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    stack_env["PROCFILE"] = str(write_procfile(tmp_path))
    stack = Stack(stack_env)
    try:
        gateway = f"http://127.0.0.1:{stack_env['GATEWAY_PORT']}"
        stack.wait_for(rf"ready\.1\s+\| voiceclone is ready: open {re.escape(gateway)}/$", 30)
        # Output is prefixed by process; the split server was not started.
        assert any(re.search(r"\bencoder\.1\s+\| listening on", line) for line in stack.seen)
        assert not any("synthesizer-model" in line for line in stack.seen)
        started = pids(tmp_path)
        assert len(started) == 4 and all(alive(pid) for pid in started)
        stack.proc.send_signal(signal.SIGINT)  # what Ctrl-C delivers to honcho
        assert stack.proc.wait(timeout=20) is not None
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in started)
    finally:
        stack.stop()


def test_a_dying_service_is_reported_and_stops_the_stack(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    stack_env["PROCFILE"] = str(write_procfile(tmp_path, die={"vocoder": 2.0}))
    stack = Stack(stack_env)
    try:
        stack.wait_for(r"voiceclone is ready", 30)
        stack.wait_for(r"vocoder\.1 stopped \(rc=3\)", 15)
        assert stack.proc.wait(timeout=20) == 3  # honcho exits with the dead one's code
    finally:
        stack.stop()


def test_split_starts_and_waits_for_the_model_server(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    port = stack_env["SYNTHESIZER_MODEL_PORT"]
    stack_env["SYNTHESIZER_MODEL_URL"] = f"http://127.0.0.1:{port}"
    stack_env["PROCFILE"] = str(write_procfile(tmp_path))
    stack = Stack(stack_env)
    try:
        stack.wait_for(rf"synthesizer-model is ready at http://127.0.0.1:{port}", 30)
        stack.wait_for(r"voiceclone is ready", 30)
    finally:
        stack.proc.send_signal(signal.SIGINT)
        stack.proc.wait(timeout=20)
        stack.stop()


# ---- the Makefile targets ----

@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("run", ["VENV=.venv scripts/run_stack.sh"]),
        ("up", ["test -f .env || cp .env.example .env",
                "docker compose up --build --detach --wait"]),
        ("down", ["docker compose down"]),
    ],
)
def test_make_targets(target: str, expected: list[str]) -> None:
    # Under `make test` this runs inside make: drop the parent's make variables, or the
    # child prints "Entering/Leaving directory" lines around the commands.
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"}}
    result = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-len(expected):] == expected  # `run` installs first when needed
