"""Reference speakers the default voice bank does not contain.

Two kinds, both made here without a download:
- eSpeak NG voices (a different synthesizer: formant synthesis, other voices);
- SVOX Pico at settings off the bank's grid, reshaped with WORLD (pyworld: F0 scaled,
  spectral envelope frequency-warped, aperiodicity raised for breathiness), a different
  method from the bank's resampling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.synthesizer.espeak import espeak_engine

SAMPLE_RATE_HZ = 16000
FRAME_PERIOD_MS = 5.0


@dataclass(frozen=True)
class Reference:
    name: str
    description: str
    speak: Callable[[str], np.ndarray]  # sentence -> float32 16 kHz


def world_reshape(wav: np.ndarray, *, f0_scale: float, warp: float,
                  breathiness: float = 0.0) -> np.ndarray:
    """WORLD analysis/resynthesis: F0 x f0_scale, envelope frequencies x warp,
    aperiodicity moved towards 1 by `breathiness` (0..1)."""
    import pyworld

    x = wav.astype(np.float64)
    f0, t = pyworld.dio(x, SAMPLE_RATE_HZ, frame_period=FRAME_PERIOD_MS)
    f0 = pyworld.stonemask(x, f0, t, SAMPLE_RATE_HZ)
    sp = pyworld.cheaptrick(x, f0, t, SAMPLE_RATE_HZ)
    ap = pyworld.d4c(x, f0, t, SAMPLE_RATE_HZ)
    bins = np.arange(sp.shape[1], dtype=np.float64)
    source = np.clip(bins / warp, 0, bins[-1])
    sp = np.stack([np.interp(source, bins, frame) for frame in sp])
    ap = np.stack([np.interp(source, bins, frame) for frame in ap])
    ap = ap + breathiness * (1.0 - ap)
    y = pyworld.synthesize(f0 * f0_scale, np.ascontiguousarray(sp), np.ascontiguousarray(ap),
                           SAMPLE_RATE_HZ, FRAME_PERIOD_MS)
    return (0.9 * y / max(np.max(np.abs(y)), 1e-9)).astype(np.float32)


def _pico(text: str, voice: str, pitch: float, speed: float = 1.0) -> np.ndarray:
    from py_nanotts import NanoTTS

    pcm = NanoTTS().speak(text, voice=voice, pitch=pitch, speed=speed)
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def references() -> list[Reference]:
    espeak = espeak_engine()

    def esp(voice: str, pitch: int | None = None) -> Callable[[str], np.ndarray]:
        return lambda text: espeak.speak(text, voice, pitch=pitch, rate_wpm=165)

    def pico_world(voice: str, pitch: float, f0: float, warp: float,
                   breath: float = 0.0) -> Callable[[str], np.ndarray]:
        return lambda text: world_reshape(_pico(text, voice, pitch), f0_scale=f0,
                                          warp=warp, breathiness=breath)

    return [
        Reference("espeak-m3", "eSpeak en-us+m3 (male)", esp("en-us+m3")),
        Reference("espeak-m1-low", "eSpeak en+m1, base pitch 30", esp("en+m1", 30)),
        Reference("espeak-f3", "eSpeak en-us+f3 (female)", esp("en-us+f3")),
        Reference("espeak-f4-high", "eSpeak en+f4, base pitch 70", esp("en+f4", 70)),
        Reference("world-deep", "Pico en-US pitch 0.62, WORLD warp 0.83",
                  pico_world("en-US", 0.62, 1.0, 0.83)),
        Reference("world-tenor", "Pico en-GB pitch 0.85, WORLD F0 x0.85, warp 0.89",
                  pico_world("en-GB", 0.85, 0.85, 0.89)),
        Reference("world-alto", "Pico en-US, WORLD F0 x1.12, warp 0.96, breathy",
                  pico_world("en-US", 1.0, 1.12, 0.96, 0.25)),
        Reference("world-bright", "Pico en-GB pitch 1.45, WORLD warp 1.05",
                  pico_world("en-GB", 1.45, 1.0, 1.05)),
    ]
