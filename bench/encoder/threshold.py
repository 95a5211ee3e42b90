"""Measure the same-speaker cosine threshold on SVOX Pico voices.

"Speakers" are (voice, pitch) pairs: en-US and en-GB at pitch 0.8, 1.0 and 1.25 (six
synthetic speakers). Same-speaker pairs are different sentences of one speaker;
different-speaker pairs are any two speakers. Prints the score ranges and the threshold
with the fewest errors (the midpoint of the gap when they separate).

Run: `.venv/bin/python -m bench.encoder.threshold`
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from conftest import make_speech
from voiceclone_encoder.audio import preprocess_wav
from voiceclone_encoder.model import load_encoder, packaged_weights_path
from voiceclone_encoder.partials import combine_partials, mel_partials

SENTENCES = [
    "The quick brown fox jumps over the lazy dog, and then it runs far away.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "We went to the museum on Sunday and looked at the old paintings for hours.",
    "A rainbow is a division of white light into many beautiful colors.",
]
SPEAKERS = [(voice, pitch) for voice in ("en-US", "en-GB") for pitch in (0.8, 1.0, 1.25)]


def embeddings() -> dict[tuple[str, float], list[np.ndarray]]:
    model = load_encoder(packaged_weights_path())
    out: dict[tuple[str, float], list[np.ndarray]] = {}
    with torch.inference_mode():
        for voice, pitch in SPEAKERS:
            out[(voice, pitch)] = [
                combine_partials(model(torch.from_numpy(mel_partials(
                    preprocess_wav(make_speech(s, voice=voice, pitch=pitch), 16000)
                ))).numpy())
                for s in SENTENCES
            ]
    return out


def main() -> None:
    embeds = embeddings()
    same, different = [], []
    for vectors in embeds.values():
        same += [float(a @ b) for a, b in itertools.combinations(vectors, 2)]
    for s1, s2 in itertools.combinations(embeds, 2):
        different += [float(a @ b) for a in embeds[s1] for b in embeds[s2]]
    same_a, diff_a = np.array(same), np.array(different)
    candidates = np.linspace(0.5, 1.0, 501)
    errors = [(np.sum(same_a < t) + np.sum(diff_a >= t), t) for t in candidates]
    best_err = min(e for e, _ in errors)
    best = [t for e, t in errors if e == best_err]
    print(f"same speaker     : n={len(same_a)} min={same_a.min():.4f} "
          f"mean={same_a.mean():.4f} max={same_a.max():.4f}")
    print(f"different speaker: n={len(diff_a)} min={diff_a.min():.4f} "
          f"mean={diff_a.mean():.4f} max={diff_a.max():.4f}")
    print(f"fewest errors ({best_err}) for thresholds {best[0]:.3f}..{best[-1]:.3f}; "
          f"midpoint {(best[0] + best[-1]) / 2:.3f}")
    for s1, s2 in itertools.combinations(embeds, 2):
        scores = [float(a @ b) for a in embeds[s1] for b in embeds[s2]]
        print(f"  {s1} vs {s2}: max {max(scores):.4f}")


if __name__ == "__main__":
    main()
