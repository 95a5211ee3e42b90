"""The model-only bound: the LSTM alone on a 10 s clip's partial windows.

Prints JSON: seconds per clip and audio seconds per wall second, for the partials of one
clip per forward pass and of four clips batched, fp32 and bf16, with the service's
thread settings (BLAS 1 thread, torch one per core).

Run: `python -m bench.encoder.model_bound N_PARTIALS`
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import json
import time

import torch
from voiceclone_common.threads import configure_torch_threads
from voiceclone_encoder.model import load_encoder, packaged_weights_path


def seconds_per_call(model: torch.nn.Module, mels: torch.Tensor, budget_s: float) -> float:
    with torch.inference_mode():
        model(mels)
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < budget_s or len(times) < 3:
            t0 = time.perf_counter()
            model(mels)
            times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main() -> None:
    n_partials = int(sys.argv[1])
    clip_s = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    precisions = sys.argv[3].split(",") if len(sys.argv) > 3 else ["fp32", "bf16"]
    configure_torch_threads(0)
    result = {}
    for precision in precisions:
        model = load_encoder(packaged_weights_path())
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        model = model.to(dtype)
        for clips in (1, 4):
            mels = torch.rand(n_partials * clips, 160, 40).to(dtype)
            per_clip = seconds_per_call(model, mels, 3.0 if precision == "fp32" else 2.0) / clips
            result[f"{precision}_x{clips}"] = {
                "ms_per_clip": per_clip * 1000, "audio_s_per_s": clip_s / per_clip
            }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
