"""A voice of the default backend: SVOX Pico reshaped in pitch, vocal-tract length and tilt.

    voice = PicoVoice()
    wav = voice.render("Hello there.", VoiceParams("en-US", f0_scale=0.7, formant_scale=0.86))
    # wav: float32, 16 kHz mono, peak 0.9

Pico (the `py-nanotts` wheel) is a parametric synthesizer with two English voices
(female, median F0 about 166 Hz for en-US and 172 Hz for en-GB). Three cheap operations
turn them into many speakers without losing Pico's intelligibility:

- formant scale a (vocal-tract length): the waveform is resampled so that every
  frequency is multiplied by a and the duration divided by a. Pico renders beforehand
  with its pitch divided by a and its rate divided by a, so F0 and duration end up where
  asked. a < 1 gives the lower formants of a longer (male) vocal tract.
- F0 scale: Pico's own pitch control (it generates F0 before its vocoder, so the
  result stays clean), combined with the above.
- spectral tilt: a first-order filter, brighter (> 0) or darker (< 0).

This was measured against WORLD analysis/resynthesis (pyworld dio + cheaptrick + d4c,
warped envelope, scaled F0) for the same targets: over 5 sentences the pocketsphinx word
error rate was equal or lower here (e.g. F0 0.75 / formants 0.9: 0.29 vs 0.35; formants
0.85 alone: 0.19 vs 0.29) and rendering took ~45 ms instead of 550-1100 ms per 6 s
sentence. See the "Default backend" section of the service README.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np
import soxr
from scipy.signal import lfilter

SAMPLE_RATE_HZ = 16000  # Pico's output rate, and the stack's
PEAK = 0.9  # RTVC's preprocessing rescales every training wav to this peak
PICO_VOICES = ("en-US", "en-GB")
# Pico clamps its pitch to [0.5, 2]; below ~0.55 its speech gets rough (word error rate
# 0.65 at 0.5 vs 0.33 at 1.0), so the bank stays above this.
PICO_PITCH_RANGE = (0.55, 2.0)
PICO_SPEED_RANGE = (0.2, 5.0)
# Pico reads `<...>` as markup: text never carries them into its input.
_MARKUP_RE = re.compile(r"[<>]")


@dataclass(frozen=True)
class VoiceParams:
    """One point of the voice space.

    voice: Pico base voice (`en-US` or `en-GB`); f0_scale: F0 relative to that voice;
    formant_scale: frequency scale of the spectral envelope (vocal-tract length ratio
    inverted); tilt: first-order spectral tilt, -1 < tilt < 1 (0: none); speed: speaking
    rate relative to Pico's.
    """

    voice: str
    f0_scale: float
    formant_scale: float = 1.0
    tilt: float = 0.0
    speed: float = 1.0

    @property
    def pico_pitch(self) -> float:
        return self.f0_scale / self.formant_scale

    @property
    def pico_speed(self) -> float:
        return self.speed / self.formant_scale

    def check(self) -> None:
        """Raise ValueError when Pico could not render these parameters faithfully."""
        if self.voice not in PICO_VOICES:
            raise ValueError(f"unknown Pico voice {self.voice!r}; have {PICO_VOICES}")
        low, high = PICO_PITCH_RANGE
        if not low <= self.pico_pitch <= high:
            raise ValueError(
                f"F0 scale {self.f0_scale} with formant scale {self.formant_scale} needs Pico "
                f"pitch {self.pico_pitch:.3f}, outside [{low}, {high}]"
            )
        if not PICO_SPEED_RANGE[0] <= self.pico_speed <= PICO_SPEED_RANGE[1]:
            raise ValueError(f"speed {self.speed} is outside Pico's range")
        if not -1.0 < self.tilt < 1.0:
            raise ValueError(f"tilt must be in (-1, 1), got {self.tilt}")


def apply_tilt(wav: np.ndarray, tilt: float) -> np.ndarray:
    """tilt > 0: y[n] = x[n] - tilt x[n-1] (treble up); tilt < 0: y[n] = x[n] + |tilt| y[n-1]
    (treble down); 0: unchanged. float64 out."""
    if tilt > 0:
        return lfilter([1.0, -tilt], [1.0], wav)
    if tilt < 0:
        return lfilter([1.0], [1.0, tilt], wav)
    return wav.astype(np.float64)


def scale_formants(wav: np.ndarray, formant_scale: float) -> np.ndarray:
    """Multiply every frequency by `formant_scale` (and divide the duration by it)."""
    if formant_scale == 1.0:
        return wav
    return soxr.resample(wav, SAMPLE_RATE_HZ, SAMPLE_RATE_HZ / formant_scale, quality="HQ")


def speakable_text(text: str) -> str:
    """What Pico may read: markup characters removed, whitespace collapsed."""
    return " ".join(_MARKUP_RE.sub(" ", text).split())


class PicoVoice:
    """Renders text with SVOX Pico and reshapes it. Thread-safe (one Pico call at a time:
    the engine keeps global state in its C binding)."""

    def __init__(self) -> None:
        from py_nanotts import NanoTTS  # imported here: loads Pico's C library

        self._tts = NanoTTS()
        self._lock = threading.Lock()

    def pico(self, text: str, voice: str, pitch: float, speed: float) -> np.ndarray:
        """Pico's raw output: float64 in [-1, 1] at 16 kHz (empty for nothing to say)."""
        text = speakable_text(text)
        if not text:
            return np.zeros(0)
        with self._lock:
            pcm = self._tts.speak(text, voice=voice, pitch=pitch, speed=speed)
        return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0

    def render(self, text: str, params: VoiceParams) -> np.ndarray:
        """`text` spoken with `params`: float32, 16 kHz, peak PEAK (empty if nothing)."""
        params.check()
        wav = self.pico(text, params.voice, params.pico_pitch, params.pico_speed)
        if wav.size == 0:
            return wav.astype(np.float32)
        wav = apply_tilt(scale_formants(wav, params.formant_scale), params.tilt)
        peak = float(np.max(np.abs(wav)))
        if peak > 0:
            wav = wav * (PEAK / peak)
        return wav.astype(np.float32)
