"""Fixtures of the CLI tests: fake upstreams, the real gateway, and a runner for the
installed `voiceclone` command (a separate process, as a user runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import people_stack as stack
import pytest

VOICECLONE = Path(sys.executable).with_name("voiceclone")
API_KEY = "cli-test-secret"


@pytest.fixture(scope="module")
def behaviour() -> Any:
    return stack.FakeBehaviour()


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, behaviour: Any) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("gateway-data")
    with stack.fake_upstreams(behaviour) as upstreams, stack.gateway(
        upstreams, str(data_dir), api_keys=f"cli:{API_KEY}"
    ) as url:
        yield url


Run = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def voiceclone(gateway_url: str) -> Run:
    """Run `voiceclone ARGS` against the test gateway; returns the finished process."""

    def run(*args: str, stdin: bytes | None = None, url: str | None = None,
            api_key: str | None = API_KEY, timeout_s: float = 60) -> subprocess.CompletedProcess:
        env = {**os.environ, "VOICECLONE_URL": url or gateway_url}
        env.pop("VOICECLONE_API_KEY", None)
        if api_key:
            env["VOICECLONE_API_KEY"] = api_key
        return subprocess.run([str(VOICECLONE), *args], input=stdin, capture_output=True,
                              env=env, timeout=timeout_s, check=False)

    return run


@pytest.fixture(scope="session")
def voice_files(tmp_path_factory: pytest.TempPathFactory,
                speech: Callable[..., Any]) -> dict[str, Path]:
    """Two speakers as WAV files, at different sample rates."""
    import soundfile as sf

    folder = tmp_path_factory.mktemp("voices")
    files = {
        "us": (speech("The rainbow is a division of white light into many beautiful colors.",
                      voice="en-US"), 16000),
        "gb": (speech("These take the shape of a long round arch, with its path high above.",
                      voice="en-GB", pitch=1.3, sr=22050), 22050),
    }
    paths = {}
    for name, (wav, sr) in files.items():
        paths[name] = folder / f"{name}.wav"
        sf.write(paths[name], wav, sr)
    return paths
