"""Time to first audio for a 10-sentence text: streamed vs whole, through the gateway.

Runs against the real stack: the one at $VOICECLONE_URL if set, else a stack started
here exactly as `make run` starts it (scripts/local_stack.py: free ports, temporary
DATA_DIR, default backends unless MODELS_DIR holds RTVC checkpoints). A stored voice is
made from a Pico sentence, then each mode speaks the same text:

    stream   POST /v1/audio/speech, wav, streamed sentence by sentence (the default)
    whole    POST /v1/audio/speech, wav, "stream": false (all sentences, then one file)
    clone    POST /v1/clone with the stored voice's embedding: one synthesizer call for
             the whole text, the gateway's plain non-streaming route

Time to first audio = request sent -> first body byte (for `stream`, the WAV header
and the first sentence's samples arrive together).
"""

from __future__ import annotations

import importlib.util
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
REPEATS = int(os.environ.get("BENCH_STREAMING_REPEATS", "3"))
TEXT = " ".join([
    "The morning train left the station exactly on time.",
    "Passengers settled into their seats with coffee and newspapers.",
    "Outside, the fields were covered in a thin layer of frost.",
    "A child near the window counted the cows as they passed.",
    "The conductor walked slowly down the aisle, checking tickets.",
    "Somewhere behind us, a phone rang and was quickly silenced.",
    "The river appeared, wide and grey, under a pale winter sky.",
    "We crossed the old iron bridge with a long, low rumble.",
    "In the distance, the towers of the city began to rise.",
    "Twenty minutes later, we arrived at the central station.",
])


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@contextmanager
def _stack() -> Iterator[str]:
    if os.environ.get("VOICECLONE_URL"):
        yield os.environ["VOICECLONE_URL"].rstrip("/")
        return
    local_stack = _load("_bench_local_stack", ROOT / "scripts" / "local_stack.py")
    with tempfile.TemporaryDirectory() as workdir, \
            local_stack.LocalStack.start(Path(workdir)) as stack:
        print(f"stack ready in {stack.wait_ready(300):.1f} s", flush=True)
        yield stack.gateway_url


def _voice(url: str) -> tuple[str, list[float]]:
    conftest = _load("_bench_conftest", ROOT / "tests" / "conftest.py")
    buffer = io.BytesIO()
    sf.write(buffer, conftest.make_speech(), 16000, format="WAV")
    created = httpx.post(f"{url}/v1/voices", data={"name": f"bench-{time.time_ns()}"},
                         files={"samples": ("voice.wav", buffer.getvalue())}, timeout=120)
    created.raise_for_status()
    voice_id = created.json()["id"]
    embed = httpx.get(f"{url}/v1/voices/{voice_id}", timeout=30).json()["embed"]
    return voice_id, embed


class Refused(Exception):
    """The gateway answered an error (e.g. /v1/clone of a text longer than the vocoder's
    per-call limit): reported in the table, not a crash."""


def _timed(client: httpx.Client, method: str, url: str, **kwargs: object
           ) -> tuple[float, float, bytes]:
    """(seconds to the first body byte, seconds to the last, body)."""
    start = time.perf_counter()
    first = None
    chunks = []
    with client.stream(method, url, **kwargs) as response:  # type: ignore[arg-type]
        if response.status_code >= 400:
            raise Refused(f"HTTP {response.status_code}: "
                          f"{response.read().decode(errors='replace')[:300]}")
        for chunk in response.iter_raw():
            if first is None and chunk:
                first = time.perf_counter() - start
            chunks.append(chunk)
    return first or 0.0, time.perf_counter() - start, b"".join(chunks)


def main() -> None:
    with _stack() as url:
        voice_id, embed = _voice(url)
        speech = {"model": "tts-1", "voice": voice_id, "input": TEXT, "response_format": "wav"}
        modes = {
            "stream": ("POST", f"{url}/v1/audio/speech", {"json": speech}),
            "whole": ("POST", f"{url}/v1/audio/speech", {"json": {**speech, "stream": False}}),
            "clone": ("POST", f"{url}/v1/clone", {"json": {"embed": embed, "text": TEXT}}),
        }
        results: dict[str, list[tuple[float, float, float]]] = {m: [] for m in modes}
        refused: dict[str, str] = {}
        with httpx.Client(timeout=1800) as client:
            for _ in range(REPEATS):
                for mode, (method, target, kwargs) in modes.items():
                    if mode in refused:
                        continue
                    try:
                        first, total, body = _timed(client, method, target, **kwargs)
                    except Refused as exc:
                        refused[mode] = str(exc)
                        print(f"  {mode}: {exc}", flush=True)
                        continue
                    data, sr = sf.read(io.BytesIO(body))
                    print(f"  {mode}: first audio {first:.2f} s, last byte {total:.2f} s, "
                          f"{len(data) / sr:.1f} s of audio", flush=True)
                    results[mode].append((first, total, len(data) / sr))
    print(f"\n10 sentences, {len(TEXT)} characters; median of {REPEATS} runs; "
          f"gateway at {url}")
    print(f"{'mode':<8} {'first audio s':>14} {'last byte s':>12} {'audio s':>8} "
          f"{'first/last':>11}")
    for mode, runs in results.items():
        if not runs:
            print(f"{mode:<8} refused: {refused[mode][:90]}")
            continue
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        audio = statistics.median(r[2] for r in runs)
        print(f"{mode:<8} {first:>14.2f} {total:>12.2f} {audio:>8.1f} {first / total:>11.0%}")


if __name__ == "__main__":
    main()
