"""Benchmark of the synthesizer's default backend through the full stack.

    BENCH=synthesizer make bench

For each reference speaker (bench/synthesizer/references.py, none of them in the bank):
its embedding from three enrollment sentences; the default backend's mels for three
other sentences with that embedding, rendered by the Griffin-Lim vocoder; then
- speaker similarity: cosine(embedding of the output, embedding of the reference), vs
  chance (the output for this voice against the other references) and vs a fixed voice
  (Pico en-US unchanged, whatever the request), and the ceiling (the reference's own
  test sentences against its enrollment);
- intelligibility: pocketsphinx word error rate of the output, of the fixed voice, of
  the backend's waveform before the mel (no vocoder loss) and of the reference itself;
- speed: seconds of compute per second of mel for the default backend.
"""

from __future__ import annotations

import time

import numpy as np

from bench.synthesizer.metrics import Recognizer, SpeakerEncoder, word_error_rate
from bench.synthesizer.references import references

ENROLL = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
)
TEST = (
    "The boy was there when the sun rose.",
    "A large size in stockings is hard to sell.",
    "Help the woman get back to her feet.",
)
FIXED = ("en-US", 1.0, 1.0, 0.0)  # Pico's own voice, the no-matching baseline


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def mean_wer(asr: Recognizer, wavs: list[np.ndarray]) -> float:
    return float(np.mean([word_error_rate(s, asr.transcribe(w)) for s, w in zip(TEST, wavs,
                                                                               strict=True)]))


def speed(backend, embed: np.ndarray) -> tuple[float, float]:
    """(compute s per s of mel, mel seconds) for a batch of the 6 bench sentences."""
    sentences = list(ENROLL + TEST)
    embeds = np.repeat(embed[None, :], len(sentences), axis=0)
    backend.synthesize(sentences[:1], embeds[:1])
    start = time.perf_counter()
    mels = backend.synthesize(sentences, embeds)
    elapsed = time.perf_counter() - start
    seconds = sum(m.shape[1] for m in mels) / 80.0
    return elapsed / seconds, seconds


def main() -> None:
    from voiceclone_common.threads import configure_torch_threads

    configure_torch_threads(1)  # the machine is shared; Griffin-Lim and the encoder only
    from voiceclone_synthesizer.backends.default_voice import DefaultVoiceBackend, VoiceParams
    from voiceclone_vocoder.griffinlim import GriffinLimVocoder

    backend = DefaultVoiceBackend()
    vocoder = GriffinLimVocoder()
    encoder = SpeakerEncoder()
    asr = Recognizer()
    refs = references()
    fixed = VoiceParams(*FIXED)

    def stack(mels: list[np.ndarray]) -> list[np.ndarray]:
        return [vocoder.infer(m, seed=0) for m in mels]

    fixed_out = stack([backend.mel(s, fixed) for s in TEST])
    fixed_embed = encoder.embed(fixed_out)
    fixed_wer = mean_wer(asr, fixed_out)

    rows, ref_embeds, out_embeds = [], [], []
    for ref in refs:
        ref_embed = encoder.embed([ref.speak(s) for s in ENROLL])
        ref_test = [ref.speak(s) for s in TEST]
        embeds = np.repeat(ref_embed[None, :], len(TEST), axis=0)
        choice = backend.select(ref_embed[None, :])[0]
        raw = [backend.render(s, choice.params) for s in TEST]
        out = stack(backend.synthesize(list(TEST), embeds))
        out_embed = encoder.embed(out)
        ref_embeds.append(ref_embed)
        out_embeds.append(out_embed)
        p = choice.params
        rows.append({
            "voice": ref.name,
            "chosen": f"{p.voice} f0x{p.f0_scale:.2f} fmt{p.formant_scale:.2f} "
                      f"tilt{p.tilt:+.1f} ({backend.bank.f0_hz[choice.index]:.0f} Hz)",
            "bank_cos": choice.similarity,
            "sim": cosine(out_embed, ref_embed),
            "sim_raw": cosine(encoder.embed(raw), ref_embed),
            "fixed": cosine(fixed_embed, ref_embed),
            "ceiling": cosine(encoder.embed(ref_test), ref_embed),
            "wer_ref": mean_wer(asr, ref_test),
            "wer_raw": mean_wer(asr, raw),
            "wer_out": mean_wer(asr, out),
            "wer_fixed": fixed_wer,
        })
        print(f"  {ref.name}: done", flush=True)
    for i, row in enumerate(rows):
        row["chance"] = float(np.mean([cosine(out_embeds[i], ref_embeds[j])
                                       for j in range(len(refs)) if j != i]))
    print_tables(rows, refs)
    per_s, seconds = speed(backend, ref_embeds[0])
    print(f"\nDefault backend speed: {per_s * 1000:.1f} ms of compute per second of mel "
          f"(batch of 6 sentences, {seconds:.1f} s of speech); real-time factor "
          f"{1 / per_s:.0f}x")


def print_tables(rows: list[dict], refs: list) -> None:
    print("\nReference voices (none in the bank):")
    for ref in refs:
        print(f"  {ref.name:15s} {ref.description}")
    print("\nSpeaker similarity (cosine of encoder embeddings; output = default backend -> "
          "Griffin-Lim)")
    head = ("| voice | chosen bank voice | output | output, no vocoder | chance | "
            "fixed voice | ceiling |")
    print(head)
    print("|" + "---|" * 7)
    for r in rows:
        print(f"| {r['voice']} | {r['chosen']} | {r['sim']:.3f} | {r['sim_raw']:.3f} | "
              f"{r['chance']:.3f} | {r['fixed']:.3f} | {r['ceiling']:.3f} |")
    m = {k: np.mean([r[k] for r in rows]) for k in rows[0] if k not in ("voice", "chosen")}
    print(f"| **mean** | | {m['sim']:.3f} | {m['sim_raw']:.3f} | {m['chance']:.3f} | "
          f"{m['fixed']:.3f} | {m['ceiling']:.3f} |")
    print("\nWord error rate (pocketsphinx, 3 sentences per voice)")
    print("| voice | reference | output | output, no vocoder | fixed voice (Griffin-Lim) |")
    print("|" + "---|" * 5)
    for r in rows:
        print(f"| {r['voice']} | {r['wer_ref']:.2f} | {r['wer_out']:.2f} | "
              f"{r['wer_raw']:.2f} | {r['wer_fixed']:.2f} |")
    print(f"| **mean** | {m['wer_ref']:.2f} | {m['wer_out']:.2f} | {m['wer_raw']:.2f} | "
          f"{m['wer_fixed']:.2f} |")


if __name__ == "__main__":
    main()
