"""Configuration stays in step with the code: deploy/README.md lists every environment
variable the services read, and every variable the deploy files set is one that a
service (or the deploy layer itself) reads, so a misspelt one cannot silently do nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
import yaml

# Read by the deploy layer, the images or libraries, not by a service's settings.
DEPLOY_LAYER = {
    "SERVICE", "PORT", "APP", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "FORWARDED_ALLOW_IPS",
    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_CACHE_DIR", "HOME",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PATH",
}
PREFIXES = {"GATEWAY_": "gateway", "ENCODER_": "encoder", "SYNTHESIZER_": "synthesizer",
            "VOCODER_": "vocoder"}


@pytest.fixture(scope="module")
def known(config_table: ModuleType) -> tuple[set[str], list[str]]:
    variables, missing = config_table.variables()
    return {v.name for v in variables}, missing


def set_by_deploy_files(repo_root: Path) -> dict[str, set[str]]:
    """Variable names each deploy file hands to a service."""
    found: dict[str, set[str]] = {}
    compose = yaml.safe_load((repo_root / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if name != "mariadb":
            found.setdefault("docker-compose.yml", set()).update(service["environment"])
    kustomization = yaml.safe_load((repo_root / "deploy/k8s/base/kustomization.yaml").read_text())
    for generator in kustomization["configMapGenerator"]:
        found.setdefault("k8s ConfigMap", set()).update(
            literal.split("=", 1)[0] for literal in generator["literals"])
    secret = yaml.safe_load((repo_root / "deploy/k8s/base/secret.yaml").read_text())
    found["k8s Secret"] = set(secret["stringData"])
    for app_json in (repo_root / "deploy/heroku").glob("*/app.json"):
        found[str(app_json.relative_to(repo_root))] = set(json.loads(app_json.read_text())["env"])
    return found


def test_readme_lists_every_variable(
    repo_root: Path, known: tuple[set[str], list[str]]
) -> None:
    names, _ = known
    # The root README carries the merged table; deploy/README.md the full one.
    readmes = "".join((repo_root / path).read_text()
                      for path in ("deploy/README.md", "README.md"))
    unlisted = sorted(name for name in names if f"`{name}`" not in readmes)
    assert not unlisted, (
        "not in deploy/README.md's configuration table (run `.venv/bin/python "
        "scripts/config_table.py --update deploy/README.md`): " + ", ".join(unlisted)
    )


def test_deploy_files_set_only_variables_that_are_read(
    repo_root: Path, known: tuple[set[str], list[str]]
) -> None:
    names, missing = known
    if len(missing) == len(PREFIXES):
        pytest.skip("no service settings importable yet")
    for source, variables in set_by_deploy_files(repo_root).items():
        for variable in variables - DEPLOY_LAYER:
            owner = next((s for p, s in PREFIXES.items() if variable.startswith(p)), None)
            if owner in missing:
                continue  # that service's settings are not written yet
            assert variable in names, f"{source} sets {variable}, which nothing reads"
