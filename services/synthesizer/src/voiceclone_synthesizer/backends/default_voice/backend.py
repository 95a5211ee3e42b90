"""The default backend: intelligible speech with no download, in the bank voice nearest
to the requested speaker embedding.

    backend = DefaultVoiceBackend()
    mels = backend.synthesize(["Hello there."], embeds)    # embeds (1, 256) -> [(80, T)]

Per sentence: RTVC's english_cleaners (numbers, currency, abbreviations spelled out
the same way as for the Tacotron; any Unicode transliterated), the nearest voice of the
bank by cosine, SVOX Pico rendered with that voice's parameters (`voice.py`), RTVC's
synthesizer mel (`voiceclone_common.rtvc_mel`), leading silence cut to a short margin and
trailing frames below the stop threshold trimmed. Deterministic: the same sentence and
embedding always give the same mel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from voiceclone_common import rtvc_mel

from voiceclone_synthesizer.backends.default_voice.bank import BANK_PATH, Selection, VoiceBank
from voiceclone_synthesizer.backends.default_voice.voice import PicoVoice, VoiceParams
from voiceclone_synthesizer.mels import STOP_THRESHOLD, trim_trailing_silence
from voiceclone_synthesizer.text import english_cleaners

# Frames of silence kept before the first loud frame (50 ms): Pico starts each utterance
# with ~0.1-0.2 s of silence, which would double the pause between joined sentences.
LEADING_MARGIN_FRAMES = 4


def trim_leading_silence(mel: np.ndarray, margin: int = LEADING_MARGIN_FRAMES) -> np.ndarray:
    """Drop leading frames below the stop threshold, keeping `margin` of them."""
    loud = np.flatnonzero(mel.max(axis=0) >= STOP_THRESHOLD)
    if loud.size == 0:
        return mel
    return mel[:, max(0, int(loud[0]) - margin):]


class DefaultVoiceBackend:
    name = "default"

    def __init__(self, settings: Any = None, *, bank_path: str | Path = BANK_PATH) -> None:
        """`settings` is accepted for the `load_backend` signature; nothing in it applies."""
        self.bank = VoiceBank.load(bank_path)
        self.voice = PicoVoice()

    def select(self, embeds: np.ndarray) -> list[Selection]:
        """The bank voice for each embedding of (B, 256)."""
        return self.bank.select(embeds)

    def render(self, sentence: str, params: VoiceParams) -> np.ndarray:
        """One raw sentence -> 16 kHz float32 speech (empty when nothing is speakable)."""
        return self.voice.render(english_cleaners(sentence), params)

    def mel(self, sentence: str, params: VoiceParams) -> np.ndarray:
        """One raw sentence -> (80, T) float32 mel in [-4, 4], silences trimmed."""
        wav = self.render(sentence, params)
        if wav.size == 0:
            return np.full((rtvc_mel.N_MELS, 1), -rtvc_mel.MAX_ABS_VALUE, np.float32)
        mel = rtvc_mel.melspectrogram(wav)
        return trim_trailing_silence(trim_leading_silence(mel))

    def synthesize(self, sentences: list[str], embeds: np.ndarray) -> list[np.ndarray]:
        """B raw sentences and (B, 256) embeddings -> B mels (80, T_b) float32."""
        embeds = np.atleast_2d(np.asarray(embeds, dtype=np.float32))
        if embeds.shape != (len(sentences), self.bank.embeddings.shape[1]):
            raise ValueError(
                f"{len(sentences)} sentences need embeddings of shape "
                f"({len(sentences)}, {self.bank.embeddings.shape[1]}), got {embeds.shape}"
            )
        chosen = self.select(embeds)
        return [self.mel(s, c.params) for s, c in zip(sentences, chosen, strict=True)]

    def warmup(self) -> None:
        """Render one short sentence: loads Pico's voice data and builds the mel basis."""
        self.mel("Ready.", self.bank.params[0])
