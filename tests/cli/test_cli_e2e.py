"""`voiceclone` against the real services: the stack started as `make run` starts it
(scripts/local_stack.py, free ports, temporary folders, default backends)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VOICECLONE = Path(sys.executable).with_name("voiceclone")
SERVICE_APPS = ("voiceclone_encoder.app", "voiceclone_synthesizer.app",
                "voiceclone_vocoder.app", "voiceclone_gateway.app")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = [m for m in SERVICE_APPS if not _importable(m)]
    if missing:
        pytest.skip(f"service packages not importable yet: {', '.join(missing)}")
    spec = importlib.util.spec_from_file_location("_cli_local_stack",
                                                  ROOT / "scripts" / "local_stack.py")
    local_stack: Any = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = local_stack  # type: ignore[union-attr]
    spec.loader.exec_module(local_stack)  # type: ignore[union-attr]
    with local_stack.LocalStack.start(tmp_path_factory.mktemp("live-stack")) as stack:
        stack.wait_ready(240)
        yield stack.gateway_url


def _run(url: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOICECLONE_URL": url}
    env.pop("VOICECLONE_API_KEY", None)
    done = subprocess.run([str(VOICECLONE), *args], input=stdin, capture_output=True,
                          env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done


def test_the_cli_against_the_real_services(live_url: str, voice_files: dict[str, Path],
                                           tmp_path: Path) -> None:
    us, gb = str(voice_files["us"]), str(voice_files["gb"])
    embed = json.loads(_run(live_url, "embed", us).stdout)["embed"]
    assert len(embed) == 256

    same = json.loads(_run(live_url, "similarity", "--json", us, us).stdout)
    other = json.loads(_run(live_url, "similarity", "--json", us, gb).stdout)
    assert same["cosine"] > 0.99 and same["same_speaker"]
    assert other["cosine"] < same["cosine"]

    out = tmp_path / "clone.wav"
    cloned = _run(live_url, "clone", "--voice", us, "-o", str(out),
                  stdin=b"Hello from the command line.")
    wav, sr = sf.read(out)
    assert sr == 16000 and len(wav) / sr > 0.5
    assert "similarity to the reference voice" in cloned.stderr.decode()

    voice_id = _run(live_url, "voices", "add", "Live", us).stdout.decode().strip()
    listed = json.loads(_run(live_url, "voices", "list", "--json").stdout)
    assert voice_id in [v["id"] for v in listed]
    said = tmp_path / "say.wav"
    _run(live_url, "say", "--voice", "Live", "-o", str(said),
         "This is the first sentence. This is the second one.")
    assert sf.info(said).frames > 16000
    _run(live_url, "voices", "rm", voice_id)
