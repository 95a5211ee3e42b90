"""Speaker embeddings, speech recognition and word error rate for the benchmark."""

from __future__ import annotations

import re
import warnings

import numpy as np

SAMPLE_RATE_HZ = 16000
_WORD_RE = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words / reference words."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


class Recognizer:
    """pocketsphinx 5 with its packaged US English acoustic and language models."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(samprate=SAMPLE_RATE_HZ, loglevel="FATAL")

    def transcribe(self, wav: np.ndarray) -> str:
        pcm = (np.clip(wav, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


class SpeakerEncoder:
    """The GE2E encoder with Resemblyzer's packaged weights (the encoder service's default
    weights; its embeddings match the service's to 1e-4)."""

    def __init__(self) -> None:
        warnings.filterwarnings("ignore", category=UserWarning)  # pkg_resources notices
        from resemblyzer import VoiceEncoder, preprocess_wav

        self._encoder = VoiceEncoder("cpu", verbose=False)
        self._preprocess = preprocess_wav

    def embed(self, wavs: list[np.ndarray]) -> np.ndarray:
        """The utterance embedding (256,) of the wavs joined with short pauses."""
        gap = np.zeros(SAMPLE_RATE_HZ // 5, np.float32)
        joined = np.concatenate([x for wav in wavs for x in (wav, gap)])
        return self._encoder.embed_utterance(self._preprocess(joined, SAMPLE_RATE_HZ))
