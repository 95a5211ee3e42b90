"""Measure the local stack as `make run` starts it: time to ready, clone latency per stage,
peak memory of every service. The numbers behind deploy/README.md's Measurements and
the Kubernetes resource sizes.

    flock /tmp/vc-bench.lock .venv/bin/python scripts/measure_stack.py [--requests 3]

The reference voice is SVOX Pico speech (py-nanotts, a test dependency); models come
from an empty folder (the default backends) unless --models names one with checkpoints,
or --random-checkpoints writes RTVC-size Tacotron and WaveRNN checkpoints with random
weights (real memory and compute, meaningless audio; Tacotron's decoder is capped so
that it stops).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VOICE_TEXT = "The quick brown fox jumps over the lazy dog near the quiet river bank."
TEXT = "Hello world, this is a test of the voice cloning stack."
STAGES = ("encoder_ms", "synthesizer_ms", "synthesizer_model_ms", "vocoder_ms", "total_ms")


def _local_stack():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_measure_local_stack", HERE / "local_stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def reference_voice() -> np.ndarray:
    from py_nanotts import NanoTTS

    pcm = NanoTTS().speak(VOICE_TEXT, voice="en-US")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def clone(gateway_url: str, voice: np.ndarray, text: str) -> tuple[str, float, float]:
    """(request id, seconds taken, seconds of speech returned)."""
    request_id = f"measure-{uuid.uuid4().hex}"
    body = json.dumps({"wav": voice.tolist(), "sr": 16000, "text": text}).encode()
    request = urllib.request.Request(
        f"{gateway_url}/inference-c", body,
        {"Content-Type": "application/json", "X-Request-ID": request_id},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=1800) as response:
        out = json.load(response)
    return request_id, time.perf_counter() - start, len(out["wav"]) / out["sr"]


def write_random_checkpoints(models_dir: Path) -> None:
    """synthesizer.pt and vocoder.pt of the published models' sizes, random weights,
    saved as RTVC saves them (the encoder keeps resemblyzer's real weights)."""
    import torch
    from voiceclone_synthesizer.tacotron.model import Tacotron, TacotronDims
    from voiceclone_vocoder.wavernn.model import WaveRNN, WaveRNNDims

    torch.manual_seed(0)
    tacotron = Tacotron(TacotronDims())
    tacotron.decoder.r.fill_(2)
    torch.save({"model_state": tacotron.state_dict(), "optimizer_state": {}},
               models_dir / "synthesizer.pt")
    wavernn = WaveRNN(WaveRNNDims())
    torch.save({"model_state": wavernn.state_dict(), "optimizer_state": {}},
               models_dir / "vocoder.pt")


def log_rows(db_path: Path, request_ids: list[str]) -> list[sqlite3.Row]:
    deadline = time.monotonic() + 15
    while True:
        with sqlite3.connect(db_path) as conn:
            conn.row_factory = sqlite3.Row
            marks = ",".join("?" * len(request_ids))
            rows = conn.execute(
                f"SELECT * FROM request_log WHERE request_id IN ({marks})", request_ids
            ).fetchall()
        if len(rows) == len(request_ids) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--models", type=Path, default=None, help="folder of RTVC checkpoints")
    parser.add_argument("--random-checkpoints", action="store_true")
    parser.add_argument("--max-decoder-steps", type=int, default=150,
                        help="with --random-checkpoints: Tacotron steps before it stops")
    args = parser.parse_args(argv)

    local_stack = _local_stack()
    voice = reference_voice()
    with tempfile.TemporaryDirectory() as workdir:
        overrides = {"MODELS_DIR": str(args.models.resolve())} if args.models else {}
        if args.random_checkpoints:
            models = Path(workdir) / "models"
            models.mkdir()
            write_random_checkpoints(models)
            overrides = {"MODELS_DIR": str(models),
                         "SYNTHESIZER_MAX_DECODER_STEPS": str(args.max_decoder_steps),
                         "GATEWAY_SELF_CHECK": "false"}
        with local_stack.LocalStack.start(Path(workdir), **overrides) as stack:
            ready_s = stack.wait_ready()
            rss_ready = stack.peak_rss_mb()
            results = [clone(stack.gateway_url, voice, TEXT) for _ in range(args.requests)]
            rss_after = stack.peak_rss_mb()
            rows = log_rows(Path(stack.env["DATA_DIR"]) / "gateway.sqlite3",
                            [r[0] for r in results])

    latencies = [r[1] for r in results]
    print(f"reference voice {len(voice) / 16000:.1f} s; text {len(TEXT)} characters; "
          f"{args.requests} sequential requests to /inference-c\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| stack start to all /readyz 200 | {ready_s:.1f} s |")
    print(f"| clone latency, median (min-max) | {statistics.median(latencies):.2f} s "
          f"({min(latencies):.2f}-{max(latencies):.2f}) |")
    print(f"| speech returned | {results[0][2]:.2f} s |")
    for stage in STAGES:
        values = [row[stage] for row in rows if row[stage] is not None]
        if values:
            print(f"| {stage.removesuffix('_ms')} (request log), median | "
                  f"{statistics.median(values):.0f} ms |")
    print("\n| service | peak RSS when ready | peak RSS after the requests |")
    print("|---|---|---|")
    for name in sorted(rss_after):
        print(f"| {name} | {rss_ready.get(name, float('nan')):.0f} MB | {rss_after[name]:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
