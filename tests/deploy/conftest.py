"""Fixtures of the deployment tests: the repository root and its deploy scripts as modules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_script(relative_path: str) -> ModuleType:
    """Import a standalone script of the repository (not a package) by its path."""
    path = REPO_ROOT / relative_path
    name = "_deploy_" + path.stem.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def entrypoint() -> ModuleType:
    """deploy/docker/entrypoint.py: the SERVICE -> (app, standard port) table lives there."""
    return load_script("deploy/docker/entrypoint.py")


@pytest.fixture(scope="session")
def wait_ready() -> ModuleType:
    return load_script("scripts/wait_ready.py")


@pytest.fixture(scope="session")
def standard_ports(entrypoint: ModuleType) -> dict[str, int]:
    """Service name -> port, the stack convention (gateway 8000 ... vocoder 8004)."""
    return {name: port for name, (_, port) in entrypoint.SERVICES.items()}


@pytest.fixture(scope="session")
def config_table() -> ModuleType:
    """scripts/config_table.py: every environment variable of every service."""
    return load_script("scripts/config_table.py")
