"""Regenerate the default backend's voice bank (`backends/default_voice/voice_bank.npz`).

    .venv/bin/python services/synthesizer/scripts/build_voice_bank.py [--out PATH]
        [--encoder-weights PATH]

Every point of the parameter grid below is rendered by `PicoVoice` on the fixed
sentences, the renderings are joined and embedded by the speaker encoder (Resemblyzer's
`VoiceEncoder`: the GE2E architecture of RTVC's encoder, whose packaged weights are the
encoder service's default), and the embedding is stored with the parameters. With the
encoder service running on your own RTVC `encoder.pt`, pass it as `--encoder-weights`
so that the bank lives in the same embedding space. Reproducible up to Pico's noise
excitation, which varies slightly from call to call (the same voices come out). Takes
~2-5 minutes on 2 cores for the embeddings, plus ~10 minutes for the word error rates
(`--wer-only` redoes just those on the existing bank). Needs the dev requirements
(resemblyzer; pyworld for F0; pocketsphinx) and the vocoder package (Griffin-Lim).
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from voiceclone_common.threads import configure_torch_threads
from voiceclone_synthesizer.backends.default_voice.bank import (
    BANK_PATH,
    VoiceBank,
    save_bank,
)
from voiceclone_synthesizer.backends.default_voice.voice import (
    PICO_VOICES,
    SAMPLE_RATE_HZ,
    PicoVoice,
    VoiceParams,
)
from voiceclone_synthesizer.text import english_cleaners

# The benchmark's recogniser and word error rate (bench/synthesizer/metrics.py), so the
# bank's figures and the benchmark's are the same measurement.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from bench.synthesizer.metrics import Recognizer, word_error_rate

_WER_TOOLS: tuple = ()

# --- the grid ----------------------------------------------------------------------
# F0 relative to Pico (median 166 Hz en-US, 172 Hz en-GB): 0.5 ~ 85 Hz (deep male) to
# 1.6 ~ 270 Hz (high female / child).
F0_SCALES = (0.5, 0.58, 0.67, 0.78, 0.9, 1.05, 1.2, 1.4, 1.6)
# Formant (envelope) frequency scale: 0.8 ~ a vocal tract 25% longer than Pico's female
# one (male); above ~1.1 pocketsphinx's word error rate more than doubles, so the grid
# stops at 1.08.
FORMANT_SCALES = (0.8, 0.86, 0.92, 1.0, 1.08)
TILTS = (-0.5, 0.0, 0.5)
SPEED = 1.0  # the GE2E embedding hardly depends on rate; keep Pico's

# --- the sentences each entry is rendered on (about 9 s together) --------------------
SENTENCES = (
    "When the sunlight strikes raindrops in the air, they act as a prism and form a "
    "rainbow.",
    "Our lovely friends were playing with a small yellow ball near the garage.",
    "Thank you for calling, please leave a short message after the tone.",
)
GAP_S = 0.2  # silence between the joined renderings

# --- intelligibility: each entry as heard through the stack's default vocoder --------
# Two sentences of neither the bank's embedding set nor the benchmark's (pocketsphinx
# takes about 0.4 s per second of speech here: more would make the build ~3x longer).
WER_SENTENCES = (
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
)


def grid() -> list[VoiceParams]:
    """Every grid point Pico can render faithfully (see VoiceParams.check)."""
    out = []
    for voice, f0, formant, tilt in itertools.product(
        PICO_VOICES, F0_SCALES, FORMANT_SCALES, TILTS
    ):
        params = VoiceParams(voice, f0, formant, tilt, SPEED)
        try:
            params.check()
        except ValueError:
            continue
        out.append(params)
    return out


def median_f0_hz(wav: np.ndarray) -> float:
    import pyworld

    x = wav.astype(np.float64)
    f0, times = pyworld.dio(x, SAMPLE_RATE_HZ, frame_period=10.0)
    f0 = pyworld.stonemask(x, f0, times, SAMPLE_RATE_HZ)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else 0.0


def through_vocoder(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """wav -> the same wav as the stack would play it: its trimmed mel through `name`."""
    if name == "none":
        return lambda wav: wav
    from voiceclone_common import rtvc_mel
    from voiceclone_synthesizer.backends.default_voice.backend import trim_to_speech
    from voiceclone_synthesizer.mels import trim_trailing_silence
    from voiceclone_vocoder.griffinlim import GriffinLimVocoder

    vocoder = GriffinLimVocoder()
    return lambda wav: vocoder.infer(
        trim_trailing_silence(trim_to_speech(rtvc_mel.melspectrogram(wav))), seed=0
    )


def _wer_worker_init() -> None:
    global _WER_TOOLS
    configure_torch_threads(1)
    _WER_TOOLS = (PicoVoice(), through_vocoder("griffinlim"), Recognizer(),
                  [english_cleaners(s) for s in WER_SENTENCES])


def vocoded_wer(params: VoiceParams) -> float:
    """Mean pocketsphinx word error rate of WER_SENTENCES in `params` through Griffin-Lim
    (the trimmed mel, 60 iterations, seed 0: what the default stack plays)."""
    voice, heard, asr, cleaned = _WER_TOOLS
    return float(np.mean([
        word_error_rate(raw, asr.transcribe(heard(voice.render(text, params))))
        for raw, text in zip(WER_SENTENCES, cleaned, strict=True)
    ]))


def measure_wer(points: list[VoiceParams], jobs: int) -> np.ndarray:
    """(N,) word error rates, in `jobs` processes (Pico keeps global state per process)."""
    start = time.perf_counter()
    out: list[float] = []
    with multiprocessing.get_context("spawn").Pool(jobs, _wer_worker_init) as pool:
        for i, wer in enumerate(pool.imap(vocoded_wer, points, chunksize=4)):
            out.append(wer)
            if (i + 1) % 25 == 0:
                print(f"{i + 1}/{len(points)} word error rates, "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return np.array(out, np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BANK_PATH)
    parser.add_argument("--encoder-weights", type=Path, default=None,
                        help="an RTVC/Resemblyzer encoder checkpoint (default: packaged)")
    parser.add_argument("--through", choices=("none", "griffinlim"), default="none",
                        help="embed the renderings as heard through this vocoder "
                             "(mel -> Griffin-Lim) instead of the clean waveform")
    parser.add_argument("--wer-only", action="store_true",
                        help="keep the embeddings of the existing bank at --out and only "
                             "(re)measure each entry's word error rate")
    parser.add_argument("--jobs", type=int, default=2,
                        help="processes for the word error rate measurement")
    args = parser.parse_args(argv)
    if args.wer_only:
        old = VoiceBank.load(args.out)
        points = list(old.params)
        wer = measure_wer(points, args.jobs)
        save_bank(args.out, params=points, embeddings=old.embeddings, f0_hz=old.f0_hz,
                  sentences=list(old.sentences), encoder=old.encoder, wer=wer,
                  wer_sentences=list(WER_SENTENCES))
        report(args.out)
        return 0

    warnings.filterwarnings("ignore", category=UserWarning)  # pkg_resources notices
    configure_torch_threads(1)  # short LSTM batches: one thread is as fast, and polite
    from resemblyzer import VoiceEncoder, preprocess_wav

    encoder = VoiceEncoder("cpu", verbose=False, weights_fpath=args.encoder_weights)
    encoder_name = (
        f"checkpoint {args.encoder_weights.name}" if args.encoder_weights
        else "resemblyzer 0.1.4 pretrained.pt"
    ) + ("" if args.through == "none" else f", heard through {args.through}")
    voice = PicoVoice()
    gap = np.zeros(int(GAP_S * SAMPLE_RATE_HZ), np.float32)
    cleaned = [english_cleaners(s) for s in SENTENCES]
    points = grid()
    embeddings, f0s = [], []
    start = time.perf_counter()
    heard = through_vocoder(args.through)
    for i, params in enumerate(points):
        parts = [heard(voice.render(s, params)) for s in cleaned]
        wav = np.concatenate([p for part in parts for p in (part, gap)])
        embeddings.append(encoder.embed_utterance(preprocess_wav(wav, SAMPLE_RATE_HZ)))
        f0s.append(median_f0_hz(wav))
        if (i + 1) % 25 == 0:
            print(f"{i + 1}/{len(points)} voices, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr, flush=True)
    wer = measure_wer(points, args.jobs)
    save_bank(args.out, params=points, embeddings=np.stack(embeddings), f0_hz=np.array(f0s),
              sentences=list(SENTENCES), encoder=encoder_name, wer=wer,
              wer_sentences=list(WER_SENTENCES))
    report(args.out)
    return 0


def report(path: Path) -> None:
    bank = VoiceBank.load(path)
    size_kb = path.stat().st_size / 1024
    print(f"wrote {path} ({len(bank)} voices, {size_kb:.0f} KB, F0 "
          f"{bank.f0_hz.min():.0f}-{bank.f0_hz.max():.0f} Hz, word error rate through "
          f"Griffin-Lim {np.nanmin(bank.wer):.2f}-{np.nanmax(bank.wer):.2f}, "
          f"median {np.nanmedian(bank.wer):.2f})")


if __name__ == "__main__":
    raise SystemExit(main())
