"""Choose the voice bank's WER_WEIGHT: similarity and intelligibility per weight.

    PYTHONPATH=. .venv/bin/python services/synthesizer/scripts/tune_wer_weight.py \
        [--bank PATH] [--weights 0 0.1 0.2 ...]

For the benchmark's reference speakers (bench/synthesizer/references.py) and each weight:
the voice `VoiceBank.select` picks, its speech for six sentences (the benchmark's three
test sentences and three others) through the Griffin-Lim vocoder, the encoder's cosine
to the reference and pocketsphinx's word error rate. Prints one row per weight (means
over the references) and the chosen voices. A (reference, voice) pair is rendered once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from bench.synthesizer.__main__ import ENROLL, TEST, cosine
from bench.synthesizer.metrics import Recognizer, SpeakerEncoder, word_error_rate
from bench.synthesizer.references import references

EXTRA = (
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "Four hours of steady work faced us.",
)


def main(argv: list[str] | None = None) -> int:
    from voiceclone_common.threads import configure_torch_threads
    from voiceclone_synthesizer.backends.default_voice import DefaultVoiceBackend, VoiceBank
    from voiceclone_synthesizer.backends.default_voice.bank import BANK_PATH
    from voiceclone_vocoder.griffinlim import GriffinLimVocoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bank", type=Path, default=BANK_PATH)
    parser.add_argument("--weights", type=float, nargs="+",
                        default=[0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5])
    args = parser.parse_args(argv)
    configure_torch_threads(1)
    backend = DefaultVoiceBackend(bank_path=args.bank)
    vocoder, encoder, asr = GriffinLimVocoder(), SpeakerEncoder(), Recognizer()
    sentences = TEST + EXTRA
    refs = references()
    ref_embeds = [encoder.embed([r.speak(s) for s in ENROLL]) for r in refs]
    cache: dict[tuple[int, int], tuple[float, float]] = {}

    def measure(r: int, index: int) -> tuple[float, float]:
        if (r, index) not in cache:
            params = backend.bank.params[index]
            out = [vocoder.infer(backend.mel(s, params), seed=0) for s in sentences]
            wer = np.mean([word_error_rate(s, asr.transcribe(w))
                           for s, w in zip(sentences, out, strict=True)])
            cache[r, index] = (cosine(encoder.embed(out), ref_embeds[r]), float(wer))
        return cache[r, index]

    print("| weight | similarity | word error rate | chosen (bank rows) |")
    print("|---|---|---|---|")
    for weight in args.weights:
        bank = VoiceBank.load(args.bank, wer_weight=weight)
        chosen = [c.index for c in bank.select(np.stack(ref_embeds))]
        results = [measure(r, i) for r, i in enumerate(chosen)]
        sim, wer = np.mean(results, axis=0)
        print(f"| {weight:g} | {sim:.3f} | {wer:.2f} | {chosen} |", flush=True)
    for r, ref in enumerate(refs):
        row = ", ".join(f"{i}: {backend.bank.params[i].voice} f0x{backend.bank.params[i].f0_scale}"
                        f" fmt{backend.bank.params[i].formant_scale} "
                        f"tilt{backend.bank.params[i].tilt:+} sim {s:.3f} wer {w:.2f}"
                        for (rr, i), (s, w) in sorted(cache.items()) if rr == r)
        print(f"{ref.name}: {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
