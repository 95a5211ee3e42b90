"""Real-time factor of each vocoder backend for 1, 5 and 20 s of speech.

    griffinlim  60 iterations (the default), whole clip.
    wavernn     RTVC's real size with random weights (speed does not depend on the
                values), target 8000 / overlap 800, whole clip through
                `WaveRNNVocoder.infer` (conditioning, folding, sampling, decoding):
                with torch's products on 1 worker, then with the compiled kernel
                (where built and supported) on 1 worker and on one per core (the
                service's default: groups of folds sampled side by side).
    reference   a plain re-implementation of RTVC's per-sample loop
                (`wavernn/reference.py`: GRUCells, concatenations, Categorical) on the
                same weights and folds, timed over REFERENCE_STEPS steps only; its
                full-clip time is extrapolated from the time per step.

RTF = wall time / audio duration (below 1 is faster than real time). Speech comes from
SVOX Pico (py-nanotts), resampled to nothing: it is 16 kHz already.
BENCH_VOCODER_THREADS sets torch's intra-op threads for every row, the reference's
included (default 1, the service's: a second OpenMP thread stalls every small product
whenever the other core is busy, 10-70x slower per step on this shared machine).
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import torch
from voiceclone_common import rtvc_mel
from voiceclone_common.threads import configure_torch_threads, limit_blas_threads
from voiceclone_vocoder.griffinlim import GriffinLimVocoder
from voiceclone_vocoder.wavernn import WaveRNNVocoder, folding
from voiceclone_vocoder.wavernn.kernels import compiled_isa
from voiceclone_vocoder.wavernn.model import WaveRNN, WaveRNNDims
from voiceclone_vocoder.wavernn.reference import reference_sample

CLIP_SECONDS = (1, 5, 20)
TARGET, OVERLAP = 8000, 800
REFERENCE_STEPS = int(os.environ.get("BENCH_VOCODER_REFERENCE_STEPS", "200"))
SENTENCES = (
    "The quick brown fox jumps over the lazy dog, and then it runs far away.",
    "A vocoder turns a mel spectrogram back into a waveform that people can hear.",
    "Real time means that one second of audio takes at most one second to make.",
)


def speech(seconds: float) -> np.ndarray:
    from py_nanotts import NanoTTS

    tts = NanoTTS()
    parts: list[np.ndarray] = []
    while sum(map(len, parts)) < seconds * 16000:
        for text in SENTENCES:
            pcm = tts.speak(text, voice="en-US")
            parts.append(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0)
    return np.concatenate(parts)[: int(seconds * 16000)]


def timed(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def random_wavernn() -> WaveRNN:
    torch.manual_seed(0)
    model = WaveRNN(WaveRNNDims())
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)  # a variance must be positive
            elif tensor.dtype.is_floating_point:
                tensor.normal_(0.0, 0.05)
    return model.eval()


def main() -> None:
    limit_blas_threads()
    threads = configure_torch_threads(int(os.environ.get("BENCH_VOCODER_THREADS", "1")))
    wav = speech(max(CLIP_SECONDS))
    mels = {s: rtvc_mel.melspectrogram(wav[: s * 16000]) for s in CLIP_SECONDS}
    print(f"torch threads: {threads}; load average at start: {os.getloadavg()[0]:.1f}")

    rows = []
    griffin_lim = GriffinLimVocoder()
    griffin_lim.infer(mels[1], seed=0)  # warm-up
    for s in CLIP_SECONDS:
        t = timed(lambda s=s: griffin_lim.infer(mels[s], seed=0), 3 if s < 20 else 1)
        rows.append(("griffinlim (60 it)", s, t))
        print(f"griffinlim {s} s: {t:.2f} s", flush=True)

    model = random_wavernn()
    cores = os.cpu_count() or 1
    # (products, workers): torch's products on one worker (the loop alone), then the
    # service's default products (the compiled kernel where it runs) on 1 and N workers.
    configs = [("torch", 1)]
    if compiled_isa() != "none":
        configs += [(compiled_isa(), w) for w in sorted({1, cores})]
    else:
        configs += [("torch", cores)] if cores > 1 else []
    vocoders = {
        (k, w): WaveRNNVocoder(model, workers=w, kernel="torch" if k == "torch" else "auto")
        for k, w in configs
    }
    for vocoder in vocoders.values():
        vocoder.infer(mels[1][:, :3], seed=0)  # warm-up
    speed = []
    for s in CLIP_SECONDS:
        fast_steps = {}
        for (k, w), vocoder in vocoders.items():
            t = timed(lambda s=s, v=vocoder: v.infer(mels[s], seed=0, target=TARGET,
                                                     overlap=OVERLAP), 1)
            label = f"{k}, {w} worker{'s' if w > 1 else ''}"
            rows.append((f"wavernn (fast: {label})", s, t))
            print(f"wavernn {s} s, {label}: {t:.2f} s", flush=True)
            fast_steps[label] = t
        with torch.no_grad():  # RTVC's conditioning: aux stretched to every sample
            padded = torch.nn.functional.pad(torch.from_numpy(mels[s] / 4)[None], (2, 2))
            mel_up, aux = model.upsample(padded)
        mel_up = folding.fold_with_overlap(mel_up, TARGET, OVERLAP)
        aux = folding.fold_with_overlap(aux, TARGET, OVERLAP)
        folds, steps = mel_up.shape[0], mel_up.shape[1]
        ref_t = timed(lambda m=mel_up, a=aux: reference_sample(
            model, m, a, REFERENCE_STEPS, torch.Generator().manual_seed(0), "categorical"), 1)
        ref_step = ref_t / REFERENCE_STEPS
        rows.append(("wavernn (reference loop, extrapolated)", s, ref_step * steps))
        for w, t in fast_steps.items():
            speed.append((s, w, folds, steps, ref_step, t / steps))  # whole infer per step
        print(f"reference {s} s: {ref_step * 1e3:.2f} ms/step", flush=True)

    print("\n| backend | audio (s) | wall (s) | RTF | x real time |")
    print("|---|---:|---:|---:|---:|")
    for name, s, t in rows:
        print(f"| {name} | {s} | {t:.2f} | {t / s:.3f} | {s / t:.1f} |")

    print("\nWaveRNN, same weights and folding (target 8000, overlap 800):")
    print("| audio (s) | products, workers | folds | steps | reference ms/step | fast ms/step | "
          "reference samples/s | fast samples/s | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s, w, folds, steps, ref_step, fast_step in speed:
        print(f"| {s} | {w} | {folds} | {steps} | {ref_step * 1e3:.2f} | {fast_step * 1e3:.2f} | "
              f"{folds / ref_step:,.0f} | {folds / fast_step:,.0f} | "
              f"{ref_step / fast_step:.1f}x |")
    print(f"(reference timed over {REFERENCE_STEPS} steps; samples/s counts every fold's "
          f"samples, overlaps included; load average at end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
