"""The real stack, started the way `make run` starts it (scripts/local_stack.py drives
scripts/run_stack.sh: honcho + Procfile) on free ports with temporary DATA_DIR and
MODELS_DIR. Skipped, with the reason, while a service package is not importable.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "encoder": "voiceclone_encoder.app",
    "synthesizer": "voiceclone_synthesizer.app",
    "vocoder": "voiceclone_vocoder.app",
    "gateway": "voiceclone_gateway.app",
}
READY_TIMEOUT_S = 150.0


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


def _load_local_stack() -> ModuleType:
    path = REPO_ROOT / "scripts" / "local_stack.py"
    spec = importlib.util.spec_from_file_location("_e2e_local_stack", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look it up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    missing = missing_apps()
    if missing:
        pytest.skip("service packages not importable yet: " + ", ".join(missing))
    local_stack = _load_local_stack()
    with local_stack.LocalStack.start(tmp_path_factory.mktemp("stack")) as running:
        running.wait_ready(READY_TIMEOUT_S)
        yield running
