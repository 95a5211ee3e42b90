"""docker-compose.yml: valid against the Compose schema subset, and every service wired.

Compose fills `${VAR:-default}` from `.env`; here `.env.example` plays `.env`, so the
file is checked exactly as `make up` would first use it. Debian's `docker-compose
config` checks it too when installed (it needs no Docker engine).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from debian_packages import ensure_package

APP_SERVICES = ("gateway", "encoder", "synthesizer", "synthesizer-model", "vocoder")
MODEL_SERVICES = ("encoder", "synthesizer", "synthesizer-model", "vocoder")
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]+)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, $$."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        expression = match.group("braced") or match.group("plain")
        for separator, empty_counts in ((":-", True), ("-", False)):
            if separator in expression:
                name, default = expression.split(separator, 1)
                value = env.get(name)
                if value is None or (empty_counts and value == ""):
                    return default
                return value
        return env.get(expression, "")

    return _VARIABLE.sub(substitute, text)


def referenced_variables(text: str) -> set[str]:
    names = set()
    for match in _VARIABLE.finditer(text):
        expression = match.group("braced") or match.group("plain")
        if expression:
            names.add(re.split(r":?-", expression, maxsplit=1)[0])
    return names


@pytest.fixture(scope="module")
def env_example(repo_root: Path) -> dict[str, str]:
    return read_env_file(repo_root / ".env.example")


@pytest.fixture(scope="module")
def compose(repo_root: Path, env_example: dict[str, str]) -> dict[str, Any]:
    text = (repo_root / "docker-compose.yml").read_text()
    return yaml.safe_load(interpolate(text, env_example))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def test_matches_the_compose_schema(compose: dict[str, Any]) -> None:
    schema = json.loads((Path(__file__).parent / "compose.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(compose), key=lambda e: e.path
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_misspelt_key(compose: dict[str, Any]) -> None:
    schema = json.loads((Path(__file__).parent / "compose.schema.json").read_text())
    broken = json.loads(json.dumps(compose))
    broken["services"]["encoder"]["healthcheck"]["intervall"] = "5s"
    assert not jsonschema.Draft202012Validator(schema).is_valid(broken)


def test_has_mariadb_and_the_five_services(services: dict[str, Any]) -> None:
    assert set(services) == {"mariadb", *APP_SERVICES}


def test_every_service_listens_on_its_standard_port(
    services: dict[str, Any], standard_ports: dict[str, int]
) -> None:
    for name in APP_SERVICES:
        service = services[name]
        port = standard_ports[name]
        assert service["environment"]["SERVICE"] == name
        assert int(service["environment"]["PORT"]) == port, name
        published = [p.split(":")[-2:] for p in service["ports"]]
        assert [str(port), str(port)] in published, f"{name} does not publish {port}"
        assert service["ports"][0].startswith("127.0.0.1:"), "publish on loopback by default"


def test_every_service_has_a_readyz_healthcheck(
    services: dict[str, Any], entrypoint: Any
) -> None:
    for name in APP_SERVICES:
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[-2:] == ["/usr/local/bin/voiceclone-entrypoint",
                                                  "healthcheck"], name
    # ...and that command is the image's probe of /readyz on the service's own port.
    assert '/readyz"' in Path(entrypoint.__file__).read_text()
    mariadb_test = services["mariadb"]["healthcheck"]["test"]
    assert "healthcheck.sh" in mariadb_test and "--connect" in mariadb_test


def test_gateway_starts_after_its_dependencies_are_healthy(services: dict[str, Any]) -> None:
    depends_on = services["gateway"]["depends_on"]
    assert set(depends_on) == {"mariadb", "encoder", "synthesizer", "vocoder"}
    for name, condition in depends_on.items():
        assert condition == {"condition": "service_healthy"}
        assert "healthcheck" in services[name], f"{name} must have a healthcheck"


def test_gateway_upstreams_point_at_the_services(
    services: dict[str, Any], standard_ports: dict[str, int]
) -> None:
    env = services["gateway"]["environment"]
    for name in MODEL_SERVICES:
        url = urlparse(env[f"GATEWAY_{name.upper().replace('-', '_')}_URL"])
        assert url.hostname == name
        assert url.port == int(services[name]["environment"]["PORT"]) == standard_ports[name]


def test_gateway_logs_to_mariadb_with_its_credentials(services: dict[str, Any]) -> None:
    url = urlparse(services["gateway"]["environment"]["DATABASE_URL"])
    db_env = services["mariadb"]["environment"]
    assert url.scheme == "mysql" and url.hostname == "mariadb" and url.port == 3306
    assert url.username == db_env["MARIADB_USER"]
    assert url.password == db_env["MARIADB_PASSWORD"]
    assert url.path.lstrip("/") == db_env["MARIADB_DATABASE"]


def test_volumes_for_database_and_models(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    assert "mariadb-data:/var/lib/mysql" in services["mariadb"]["volumes"]
    assert "mariadb-data" in compose["volumes"]
    for name in MODEL_SERVICES:
        service = services[name]
        assert service["environment"]["MODELS_DIR"] == "/models"
        assert any(v.endswith(":/models:ro") for v in service["volumes"]), name


def test_images_build_from_existing_packages(services: dict[str, Any], repo_root: Path) -> None:
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (repo_root / build["context"] / build["dockerfile"]).is_file()
        assert (repo_root / "services" / build["args"]["PACKAGE"] / "pyproject.toml").is_file()


def test_split_is_opt_in(services: dict[str, Any], env_example: dict[str, str]) -> None:
    # Tacotron's own server needs synthesizer.pt: it must not block a stack without it.
    assert services["synthesizer-model"]["profiles"] == ["split"]
    assert env_example["SYNTHESIZER_MODEL_URL"] == ""


def test_every_variable_is_documented(repo_root: Path, env_example: dict[str, str]) -> None:
    used = referenced_variables((repo_root / "docker-compose.yml").read_text())
    assert used <= set(env_example), f"not in .env.example: {sorted(used - set(env_example))}"


def test_docker_compose_config_accepts_it(repo_root: Path, tmp_path: Path) -> None:
    problem = ensure_package("docker-compose", "docker-compose")
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    result = subprocess.run(
        ["docker-compose", "--project-directory", str(repo_root),
         "--file", str(repo_root / "docker-compose.yml"),
         "--env-file", str(repo_root / ".env.example"), "config", "--quiet"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
