"""deploy/heroku: one app per service (Procfile, app.json, requirements, Python version),
consistent with the container entry point, and `bundle.sh` assembles a pushable app root.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

HEROKU_DIR = Path(__file__).resolve().parents[2] / "deploy" / "heroku"
APP_SERVICES = ("gateway", "encoder", "synthesizer", "synthesizer-model", "vocoder")
PACKAGE = {"synthesizer-model": "synthesizer"}


def package_of(service: str) -> str:
    return PACKAGE.get(service, service)


def web_command(service: str) -> str:
    lines = [line for line in (HEROKU_DIR / service / "Procfile").read_text().splitlines()
             if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("web: "), lines
    return lines[0].removeprefix("web: ")


def test_one_app_per_service() -> None:
    apps = {p.name for p in HEROKU_DIR.iterdir() if p.is_dir()}
    assert apps == set(APP_SERVICES)
    for service in APP_SERVICES:
        for name in ("Procfile", "app.json", "requirements.txt", ".python-version"):
            assert (HEROKU_DIR / service / name).is_file(), f"{service}/{name}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_procfile_runs_gunicorn_with_uvicorn_workers(
    service: str, entrypoint: ModuleType
) -> None:
    command = web_command(service)
    app = entrypoint.SERVICES[service][0]
    assert f"gunicorn '{app}'" in command  # the same factory as the container image
    assert "--worker-class uvicorn_worker.UvicornWorker" in command
    assert "--bind 0.0.0.0:$PORT" in command
    assert "--workers ${WEB_CONCURRENCY:-1}" in command


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_json_describes_the_app(service: str) -> None:
    manifest = json.loads((HEROKU_DIR / service / "app.json").read_text())
    assert manifest["name"] == f"voiceclone-{service}"
    assert manifest["buildpacks"] == [{"url": "heroku/python"}]
    assert manifest["formation"]["web"]["quantity"] >= 1
    for name, variable in manifest["env"].items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)
        assert variable["description"], name
    assert manifest["env"]["WEB_CONCURRENCY"]["value"] == "1"


def test_gateway_logs_to_the_mysql_addon() -> None:
    manifest = json.loads((HEROKU_DIR / "gateway" / "app.json").read_text())
    (addon,) = manifest["addons"]
    assert addon["plan"].startswith("jawsdb-maria") and addon["as"] == "JAWSDB_MARIA"
    # The add-on sets JAWSDB_MARIA_URL; the gateway reads DATABASE_URL.
    assert 'DATABASE_URL="${DATABASE_URL:-$JAWSDB_MARIA_URL}"' in web_command("gateway")
    for stage in ("ENCODER", "SYNTHESIZER", "VOCODER"):
        assert manifest["env"][f"GATEWAY_{stage}_URL"]["required"] is True


def test_vocoder_defaults_to_a_backend_that_fits_herokus_30_s_router() -> None:
    manifest = json.loads((HEROKU_DIR / "vocoder" / "app.json").read_text())
    assert manifest["env"]["VOCODER_BACKEND"]["value"] == "griffinlim"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_requirements_pin_cpu_torch_only_where_needed(service: str, repo_root: Path) -> None:
    requirements = (HEROKU_DIR / service / "requirements.txt").read_text().splitlines()
    pyproject = (repo_root / "services" / package_of(service) / "pyproject.toml").read_text()
    pin = re.search(r'"torch==([^"]+)"', pyproject)
    torch_lines = [line for line in requirements if line.startswith("torch")]
    if pin is None:
        assert torch_lines == []
    else:
        assert torch_lines == [f"torch=={pin.group(1)}+cpu"]
        assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert "./shared" in requirements and f"./services/{package_of(service)}" in requirements


@pytest.mark.parametrize("service", APP_SERVICES)
def test_python_version_is_one_the_packages_accept(service: str, repo_root: Path) -> None:
    version = (HEROKU_DIR / service / ".python-version").read_text().strip()
    pyproject = (repo_root / "services" / package_of(service) / "pyproject.toml").read_text()
    minimum = re.search(r'requires-python = ">=(\d+)\.(\d+)"', pyproject)
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.groups()))


@pytest.mark.parametrize("service", APP_SERVICES)
def test_bundle_is_a_pushable_app_root(service: str, tmp_path: Path, repo_root: Path) -> None:
    out = tmp_path / service
    result = subprocess.run(
        [str(HEROKU_DIR / "bundle.sh"), service, str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name in ("Procfile", "app.json", "requirements.txt", ".python-version"):
        assert (out / name).read_text() == (HEROKU_DIR / service / name).read_text()
    for line in (out / "requirements.txt").read_text().splitlines():
        if line.startswith("./"):
            assert (out / line / "pyproject.toml").is_file(), line
    assert not list(out.rglob("__pycache__")) and not list(out.rglob("*.egg-info"))
    # Every source file of the service made it (the app factory among them).
    source = repo_root / "services" / package_of(service) / "src"
    expected = {p.relative_to(repo_root) for p in source.rglob("*.py")
                if "__pycache__" not in p.parts}
    bundled = {p.relative_to(out) for p in (out / "services").rglob("*.py")}
    assert expected <= bundled


def test_bundle_refuses_an_unknown_service(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(HEROKU_DIR / "bundle.sh"), "encodr", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "no Heroku app for 'encodr'" in result.stderr
