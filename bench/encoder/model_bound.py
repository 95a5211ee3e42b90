"""The model-only bound: the LSTM alone on a 10 s clip's partial windows.

Prints JSON {config: {ms_per_clip, audio_s_per_s}} for two ways of using the cores, with
the same weights and BLAS settings as the service:
  `<p>_intraop`  one forward at a time, torch using every core inside it;
  `<p>_workers`  one Python thread per core, each running forwards on 1 torch thread
                 (the service's default).
The bound is the better of the two.

Run: `python -m bench.encoder.model_bound N_PARTIALS [CLIP_S] [fp32,bf16] [intraop,workers]`
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import json
import threading
import time

import torch
from voiceclone_encoder.model import load_encoder, packaged_weights_path


def clips_per_second(model: torch.nn.Module, mels: torch.Tensor, workers: int,
                     budget_s: float) -> float:
    counts = [0] * workers
    with torch.inference_mode():
        model(mels)
    start = time.perf_counter()

    def loop(i: int) -> None:
        with torch.inference_mode():
            while time.perf_counter() - start < budget_s or counts[i] < 2:
                model(mels)
                counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    n_partials = int(sys.argv[1])
    clip_s = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    precisions = sys.argv[3].split(",") if len(sys.argv) > 3 else ["fp32", "bf16"]
    ways = sys.argv[4].split(",") if len(sys.argv) > 4 else ["intraop", "workers"]
    cores = os.cpu_count() or 1
    result = {}
    for precision in precisions:
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        model = load_encoder(packaged_weights_path()).to(dtype)
        mels = torch.rand(n_partials, 160, 40).to(dtype)
        budget = 3.0 if precision == "fp32" else 2.0
        for name, threads, workers in (("intraop", cores, 1), ("workers", 1, cores)):
            if name not in ways:
                continue
            torch.set_num_threads(threads)
            rate = clips_per_second(model, mels, workers, budget)
            result[f"{precision}_{name}"] = {
                "ms_per_clip": 1000 / rate, "audio_s_per_s": clip_s * rate
            }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
