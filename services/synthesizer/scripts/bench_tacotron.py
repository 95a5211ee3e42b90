"""Tacotron speed: seconds to generate mel, real-size random weights, this machine.

    .venv/bin/python services/synthesizer/scripts/bench_tacotron.py [--threads 1 2] [--batch 1 4]

RTVC's published synthesizer.pt is not downloaded: the network is built at its real size
(30.9 M parameters, r = 2) with Xavier-random weights, and the stop unit is biased off so
every run generates exactly `--seconds` of mel. The reference took 0.75 s for 3 s of mel
on this kind of machine (2 threads, ../shared/NOTES.md).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch
from voiceclone_synthesizer.tacotron import Tacotron, TacotronDims
from voiceclone_synthesizer.tacotron.checkpoint import quantize_decoder
from voiceclone_synthesizer.text import sentence_to_ids

FRAMES_PER_SECOND = 80
SENTENCE = "The quick brown fox jumps over the lazy dog, then runs far away into the forest."


def build_model(seed: int = 0) -> Tacotron:
    torch.manual_seed(seed)
    model = Tacotron(TacotronDims.rtvc())
    for p in model.parameters():
        if p.dim() > 1:
            torch.nn.init.xavier_uniform_(p)
    model.decoder.r.fill_(2)
    with torch.no_grad():
        model.decoder.stop_proj.bias.fill_(-100.0)  # never stop: a fixed amount of mel
    return model.eval()


def time_generate(model: Tacotron, batch: int, frames: int, repeats: int) -> float:
    ids = sentence_to_ids(SENTENCE)
    chars = torch.tensor([ids] * batch)
    embeds = torch.nn.functional.normalize(torch.rand(batch, 256), dim=1)
    model.generate(chars, embeds, max_frames=16)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        mels, _ = model.generate(chars, embeds, max_frames=frames)
        best = min(best, time.perf_counter() - start)
    assert mels.shape[2] == frames
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dropout", choices=["on", "off"], default="on")
    parser.add_argument("--quantize", choices=["none", "int8"], nargs="+", default=["none"])
    args = parser.parse_args()
    frames = int(args.seconds * FRAMES_PER_SECOND)
    models = {}
    for mode in args.quantize:
        model = build_model()
        model.set_prenet_dropout(args.dropout == "on")
        if mode == "int8":
            quantize_decoder(model)
        models[mode] = model
    print(f"Tacotron, real size, r=2, prenet dropout {args.dropout}, {args.seconds:g} s of mel "
          f"per item, best of {args.repeats}; load average {os.getloadavg()[0]:.1f}")
    print("| decoder | threads | batch | wall s | s per s of mel (per item) | x real time |")
    print("|---|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for batch in args.batch:
            for mode, model in models.items():
                wall = time_generate(model, batch, frames, args.repeats)
                per_second = wall / (batch * args.seconds)
                print(f"| {mode} | {threads} | {batch} | {wall:.3f} | {per_second:.3f} | "
                      f"{1 / per_second:.1f} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
