"""The Griffin-Lim backend: the inverse of RTVC's synthesizer mel, no model needed.

Python API:

    from voiceclone_vocoder.griffinlim import GriffinLimVocoder
    vocoder = GriffinLimVocoder(n_iter=60)      # nothing to load
    wav = vocoder.infer(mel, seed=0)             # mel: (80, T) in [-4, 4]
    # wav: float32, T * 200 samples at 16 kHz.

As RTVC's `synthesizer.audio.inv_mel_spectrogram`: denormalise, add the reference level,
dB -> amplitude, mel pseudo-inverse (floored at 1e-10), raise to the power 1.5, then
Griffin-Lim from random phases and inverse pre-emphasis. The STFT pair is torch's, with
librosa's conventions (periodic Hann, centered, zero padding), on the whole signal at
once: one batched FFT per iteration, no Python loop over frames.

RTVC's inverse STFT has no `length` and returns (T - 1) * 200 samples; here the signal
is kept at T * 200 samples (what a wav of T frames had) and the STFT's extra last frame
is dropped, so every iteration compares exactly the T given frames.

`momentum` > 0 switches to "fast Griffin-Lim" (Perraudin et al. 2013, librosa's
`momentum=0.99`): it converges in fewer iterations but is not what RTVC ran, so the
default is 0, the plain algorithm.
"""

from __future__ import annotations

import numpy as np
import torch
from voiceclone_common import rtvc_mel

PEAK = 0.97  # output peak after normalisation (RTVC toolbox: wav / max|wav| * 0.97)


class GriffinLimVocoder:
    def __init__(
        self,
        n_iter: int = rtvc_mel.GRIFFIN_LIM_ITERS,
        power: float = rtvc_mel.GRIFFIN_LIM_POWER,
        momentum: float = 0.0,
    ) -> None:
        if n_iter < 0 or not 0.0 <= momentum < 1.0:
            raise ValueError("n_iter must be >= 0 and momentum in [0, 1)")
        self.n_iter = n_iter
        self.power = power
        self.momentum = momentum
        self.window = torch.tensor(rtvc_mel.hann_window(), dtype=torch.float32)

    def output_length(self, n_frames: int) -> int:
        return n_frames * rtvc_mel.HOP_LENGTH

    def _stft(self, wav: torch.Tensor, n_frames: int) -> torch.Tensor:
        spec = torch.stft(
            wav, rtvc_mel.N_FFT, rtvc_mel.HOP_LENGTH, rtvc_mel.WIN_LENGTH, self.window,
            center=True, pad_mode="constant", return_complex=True,
        )
        return spec[:, :n_frames]

    def _istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        return torch.istft(
            spec, rtvc_mel.N_FFT, rtvc_mel.HOP_LENGTH, rtvc_mel.WIN_LENGTH, self.window,
            center=True, length=length,
        )

    @torch.inference_mode()
    def griffin_lim(self, magnitude: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Linear magnitudes (401, T) -> float64 signal of T * 200 samples (pre-emphasised)."""
        n_frames = magnitude.shape[1]
        length = self.output_length(n_frames)
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        mag = torch.from_numpy(np.ascontiguousarray(magnitude, dtype=np.float32))
        phase = torch.rand(mag.shape, generator=generator) * (2 * torch.pi)
        angles = torch.polar(torch.ones_like(mag), phase)
        wav = self._istft(mag * angles, length)
        previous = torch.zeros_like(angles)
        for _ in range(self.n_iter):  # iterations, not frames: each is one batched STFT pair
            rebuilt = self._stft(wav, n_frames)
            if self.momentum:
                angles = rebuilt - (self.momentum / (1 + self.momentum)) * previous
                previous = rebuilt
            else:
                angles = rebuilt
            angles = angles / (angles.abs() + 1e-16)
            wav = self._istft(mag * angles, length)
        return wav.double().numpy()

    def infer(
        self, mel: np.ndarray, *, seed: int | None = None, normalize: bool = True
    ) -> np.ndarray:
        """(80, T) mel in [-4, 4] -> float32 wav of T * 200 samples at 16 kHz.

        The power 1.5 changes the level (louder where the magnitude exceeds 1), so the
        output is scaled to a peak of PEAK, as RTVC's toolbox did after Griffin-Lim;
        `normalize=False` returns the raw level.
        """
        if mel.ndim != 2 or mel.shape[0] != rtvc_mel.N_MELS or mel.shape[1] < 1:
            raise ValueError(f"expected a ({rtvc_mel.N_MELS}, T >= 1) mel, got {mel.shape}")
        magnitude = rtvc_mel.mel_to_magnitude(mel) ** self.power
        wav = rtvc_mel.inv_preemphasis(self.griffin_lim(magnitude, seed))
        peak = np.abs(wav).max(initial=0.0)
        if normalize and peak > 0:
            wav *= PEAK / peak
        return wav.astype(np.float32)
