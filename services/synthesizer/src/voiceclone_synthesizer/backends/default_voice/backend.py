"""The default backend: intelligible speech with no download, in the bank voice nearest
to the requested speaker embedding.

    backend = DefaultVoiceBackend()
    mels = backend.synthesize(["Hello there."], embeds)    # embeds (1, 256) -> [(80, T)]

Per sentence: RTVC's english_cleaners (numbers, currency, abbreviations spelled out
the same way as for the Tacotron; any Unicode transliterated), the bank voice with the
best cosine less a word-error-rate penalty (`bank.VoiceBank.select`), SVOX Pico
rendered with that voice's parameters (`voice.py`), RTVC's synthesizer mel
(`voiceclone_common.rtvc_mel`), cut to the speech (a short lead-in kept, trailing
frames below the stop threshold trimmed). The same sentence and embedding give the
same voice and words; Pico's output varies a little from call to call (noise
excitation, now and then a pause length), so mels are not bit-identical.
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

# A frame whose loudest band reaches this is speech (about 57 dB below full scale). Pico
# ends every utterance with a faint click ~0.5 s after the speech (-3.1 here, above
# RTVC's stop threshold), which a plain stop-threshold trim would keep along with the
# silence before it.
SPEECH_LEVEL = -2.0
# Kept before the first speech frame (100 ms: weak onsets such as /h/ or /f/ start
# below SPEECH_LEVEL) and at most kept after the last one while the decay stays above
# the stop threshold (200 ms). Pico starts each utterance with ~0.1-0.2 s of silence,
# which would lengthen the pause between joined sentences.
LEAD_FRAMES = 8
MAX_DECAY_FRAMES = 16


def trim_to_speech(mel: np.ndarray) -> np.ndarray:
    """Cut a mel (80, T) to its speech: LEAD_FRAMES before the first frame at
    SPEECH_LEVEL, and after the last one the decay while it stays above STOP_THRESHOLD
    (at most MAX_DECAY_FRAMES), so the result ends as RTVC's trimmed mels do, on a frame
    at or above the threshold. No speech: unchanged."""
    loudness = mel.max(axis=0)
    speech = np.flatnonzero(loudness >= SPEECH_LEVEL)
    if speech.size == 0:
        return mel
    end = int(speech[-1]) + 1
    limit = min(loudness.size, end + MAX_DECAY_FRAMES)
    while end < limit and loudness[end] >= STOP_THRESHOLD:
        end += 1
    return mel[:, max(0, int(speech[0]) - LEAD_FRAMES):end]


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
        return trim_trailing_silence(trim_to_speech(rtvc_mel.melspectrogram(wav)))

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
