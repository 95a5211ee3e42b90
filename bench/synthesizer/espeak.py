"""eSpeak NG through ctypes (the `espeakng-loader` wheel's library and voice data).

Used only to make reference voices the default bank does not contain: a different
synthesizer with different voices. `EspeakVoice().speak(text, "en-us+m3")` -> float32
at 16 kHz.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import numpy as np
import soxr

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE, ESPEAK_PITCH = 1, 3  # espeak_PARAMETER values
OUT_RATE_HZ = 16000

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@functools.cache
def espeak_engine() -> EspeakVoice:
    """The process-wide engine: the library keeps one global callback, and a second
    instance would leave the first one's callback pointer dangling."""
    return EspeakVoice()


class EspeakVoice:
    """eSpeak NG driven synchronously; get it from `espeak_engine()`."""

    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        self.rate_hz = lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if self.rate_hz <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib
        self._lock = threading.Lock()

    def _collect(self, wav: ctypes.Array, n_samples: int, _events: int) -> int:
        if n_samples > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        return 0  # 0: go on synthesizing

    def speak(self, text: str, voice: str, *, pitch: int | None = None,
              rate_wpm: int | None = None) -> np.ndarray:
        """float32 speech at 16 kHz; `pitch` 0-100 (eSpeak's base pitch), `rate_wpm`."""
        data = text.encode("utf-8")
        with self._lock:
            self._chunks = []
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"eSpeak has no voice {voice!r}")
            if pitch is not None:
                self._lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
            if rate_wpm is not None:
                self._lib.espeak_SetParameter(ESPEAK_RATE, rate_wpm, 0)
            self._lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0,
                                   ESPEAK_CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        wav = pcm.astype(np.float32) / 32768.0
        return soxr.resample(wav, self.rate_hz, OUT_RATE_HZ, quality="HQ").astype(np.float32)
