"""The Griffin-Lim backend: the inverse of RTVC's synthesizer mel, no model needed.

Python API:

    from voiceclone_vocoder.griffinlim import GriffinLimVocoder
    vocoder = GriffinLimVocoder(n_iter=60)      # nothing to load
    wav = vocoder.infer(mel, seed=0)             # mel: (80, T) in [-4, 4]
    # wav: float32, T * 200 samples at 16 kHz.

As RTVC's `synthesizer.audio.inv_mel_spectrogram`: denormalise, add the reference level,
dB -> amplitude, mel pseudo-inverse (floored at 1e-10), raise to the power 1.5, then
Griffin-Lim from random phases and inverse pre-emphasis. The STFT pair (`_StftPair`) has
librosa's conventions (periodic Hann, centered, zero padding) and works on the whole
signal at once: one batched FFT each way per iteration, frames as a strided view of
one buffer, the overlap-add as four shifted adds (n_fft = 4 hops); no loop over frames.

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

    @torch.inference_mode()
    def griffin_lim(self, magnitude: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Linear magnitudes (401, T) -> float64 signal of T * 200 samples (pre-emphasised)."""
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        mag = torch.from_numpy(np.ascontiguousarray(magnitude.T, dtype=np.float32))  # (T, F)
        pair = _StftPair(mag.shape[0], self.window)
        phase = torch.rand(mag.shape, generator=generator) * (2 * torch.pi)
        spec = torch.polar(mag, phase)
        previous: torch.Tensor | None = None
        for _ in range(self.n_iter):  # iterations, not frames: each is one batched STFT pair
            rebuilt = pair.stft(pair.istft(spec))
            if self.momentum:
                angles = rebuilt if previous is None else rebuilt - (
                    self.momentum / (1 + self.momentum)) * previous
                previous = rebuilt
            else:
                angles = rebuilt
            # mag * angles / |angles|: a real gain per bin, one complex multiply.
            gain = torch.abs(angles).add_(1e-16)
            torch.div(mag, gain, out=gain)
            spec = angles * gain if self.momentum else angles.mul_(gain)
        wav = pair.istft(spec)[pair.pad : pair.pad + pair.length]
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


class _StftPair:
    """librosa's STFT/ISTFT conventions for a fixed number of frames T, without copies.

    The signal lives in a zero-padded buffer of (T + 3) hops plus N_FFT // 2 of centre
    padding, so that frame i is buffer[i hop : i hop + n_fft] (a strided view) and the
    overlap-add of the inverse is four shifted adds: n_fft = 4 hops. The buffer outside
    the T * hop kept samples is zeroed by the same vector that divides by the window's
    squared-sum envelope, which is exactly what `center=True`, zero padding and a
    `length=T * hop` inverse do.
    """

    def __init__(self, n_frames: int, window: torch.Tensor) -> None:
        hop, n_fft = rtvc_mel.HOP_LENGTH, rtvc_mel.N_FFT
        assert n_fft % hop == 0
        self.n_frames, self.hop, self.n_fft = n_frames, hop, n_fft
        self.shifts = n_fft // hop
        self.pad = n_fft // 2
        self.length = n_frames * hop
        self.n_chunks = n_frames + self.shifts
        self.window = window
        envelope = torch.zeros(self.n_chunks, hop)
        square = (window**2).view(self.shifts, hop)
        for k in range(self.shifts):
            envelope[k : k + n_frames] += square[k]
        envelope = envelope.flatten()
        keep = torch.zeros_like(envelope)
        kept = slice(self.pad, self.pad + self.length)
        keep[kept] = 1.0 / envelope[kept]
        self.inverse_envelope = keep
        self.buffer = torch.zeros(self.n_chunks * hop)

    def istft(self, spec: torch.Tensor) -> torch.Tensor:
        """(T, F) complex -> the padded buffer (valid samples at [pad, pad + length))."""
        frames = torch.fft.irfft(spec, n=self.n_fft, dim=1).mul_(self.window)
        parts = frames.view(self.n_frames, self.shifts, self.hop)
        chunks = self.buffer.view(self.n_chunks, self.hop)
        chunks.zero_()
        for k in range(self.shifts):
            chunks[k : k + self.n_frames] += parts[:, k]
        return self.buffer.mul_(self.inverse_envelope)

    def stft(self, padded: torch.Tensor) -> torch.Tensor:
        """The padded buffer -> (T, F) complex, frame i centred on sample i * hop."""
        frames = padded.as_strided((self.n_frames, self.n_fft), (self.hop, 1))
        return torch.fft.rfft(frames * self.window, dim=1)
