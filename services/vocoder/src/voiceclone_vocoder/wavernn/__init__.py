"""RTVC's WaveRNN vocoder backend.

Python API:

    from voiceclone_vocoder.wavernn import WaveRNNVocoder
    vocoder = WaveRNNVocoder.load("models/vocoder.pt", workers=2)  # CheckpointError if unusable
    wav = vocoder.infer(mel, seed=0)                      # mel: (80, T) in [-4, 4]
    # wav: float32, (T - 1) * 200 samples at 16 kHz, like RTVC's `infer_waveform`.

`infer` follows RTVC's `vocoder.inference.infer_waveform` (normalize=True, batched=True):
mel / 4, two frames of zero padding either side, the upsampling network, folding into
segments of `target + 2 * overlap` samples (8000 / 800 by default), sampling 9-bit RAW
classes, cross-fade and unfold, mu-law expansion, de-emphasis (0.97), cut to
(T - 1) * hop samples and a linear fade over the last 20 hops (4000 samples); unlike
RTVC, a result whose peak exceeds 1 is scaled down to peak 1. Sampling
uses `generate.FastSampler`; a seed makes the output reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from voiceclone_common import rtvc_mel

from voiceclone_vocoder.errors import CheckpointError
from voiceclone_vocoder.wavernn import folding
from voiceclone_vocoder.wavernn.generate import FastSampler
from voiceclone_vocoder.wavernn.kernels import Kernel
from voiceclone_vocoder.wavernn.model import WaveRNN, WaveRNNDims

__all__ = ["WaveRNN", "WaveRNNDims", "WaveRNNVocoder", "load_state"]

FADE_OUT_HOPS = 20  # RTVC fades the last 20 hops (250 ms) to avoid a click


def load_state(path: Path) -> dict[str, torch.Tensor]:
    """The `model_state` of a RTVC vocoder checkpoint, or CheckpointError saying why not."""
    if not path.is_file():
        raise CheckpointError(
            f"WaveRNN checkpoint not found at {path}: put RTVC's vocoder.pt there, set "
            "VOCODER_CHECKPOINT, or use VOCODER_BACKEND=griffinlim"
        )
    try:
        # weights_only: a checkpoint is data; refuse pickled code.
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises a dozen types for a damaged file
        reason = (str(exc).strip().splitlines() or [""])[0][:300]
        raise CheckpointError(
            f"cannot read WaveRNN checkpoint {path} ({type(exc).__name__}: {reason}); "
            "is it a complete RTVC vocoder.pt?"
        ) from exc
    if not isinstance(checkpoint, dict) or "model_state" not in checkpoint:
        keys = list(checkpoint)[:5] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(
            f"{path} is not a RTVC checkpoint: expected a dict with 'model_state', got {keys}"
        )
    return checkpoint["model_state"]


class WaveRNNVocoder:
    """A loaded WaveRNN, ready to turn RTVC mels into 16 kHz speech."""

    def __init__(self, model: WaveRNN, workers: int = 1, kernel: Kernel = "auto") -> None:
        self.model = model.eval()
        self.dims = model.dims
        self.sampler = FastSampler(self.model, workers=workers, kernel=kernel)

    @classmethod
    def load(cls, path: str | Path, workers: int = 1, kernel: Kernel = "auto") -> WaveRNNVocoder:
        """Load `vocoder.pt` unmodified and strictly (every key, every shape).

        `workers`: threads sampling groups of folds side by side; `kernel`: the per-step
        products on the compiled kernel ("auto": when it runs here) or torch's
        (`FastSampler`, `kernels.py`).
        """
        path = Path(path)
        state = load_state(path)
        try:
            dims = WaveRNNDims.from_state_dict(state)
            model = WaveRNN(dims)
            model.load_state_dict(state, strict=True)
        except (KeyError, ValueError, RuntimeError) as exc:
            raise CheckpointError(
                f"{path} does not match RTVC's WaveRNN layout: {str(exc)[:500]}"
            ) from exc
        broken = [k for k, v in state.items() if v.is_floating_point() and not v.isfinite().all()]
        if broken:
            raise CheckpointError(f"{path} holds NaN or infinite weights in {broken[:5]}")
        if dims.feat_dims != rtvc_mel.N_MELS or dims.hop_length != rtvc_mel.HOP_LENGTH:
            raise CheckpointError(
                f"{path} expects {dims.feat_dims} mels and hop {dims.hop_length}; the "
                f"synthesizer's format is {rtvc_mel.N_MELS} mels, hop {rtvc_mel.HOP_LENGTH}"
            )
        return cls(model, workers=workers, kernel=kernel)

    def output_length(self, n_frames: int) -> int:
        return max(0, n_frames - 1) * self.dims.hop_length

    @torch.inference_mode()
    def conditioning(self, mel: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(80, T) normalised mel -> upsampled mel (1, T hop, 80) and aux per frame (T, 128).

        RTVC stretches aux to one vector per sample (nearest neighbour); it is kept per
        frame here and looked up per step (`aux_index`), which is the same value.
        """
        m = torch.from_numpy(np.ascontiguousarray(mel, dtype=np.float32))[None]
        m = m / rtvc_mel.MAX_ABS_VALUE
        m = torch.nn.functional.pad(m, (self.dims.pad, self.dims.pad))
        up = self.model.upsample
        aux = up.resnet(m)[0].T  # (T, res_out_dims)
        mel_up = m.unsqueeze(1)
        for layer in up.up_layers:
            mel_up = layer(mel_up)
        mel_up = mel_up.squeeze(1)[:, :, up.indent : -up.indent].transpose(1, 2)
        return mel_up, aux

    def _aux_index(self, n_frames: int, n_folds: int, fold_len: int, stride: int) -> torch.Tensor:
        """Row of the per-frame aux for each (fold, step); past the end: the zero row."""
        sample = torch.arange(n_folds)[:, None] * stride + torch.arange(fold_len)[None]
        frame = sample // self.dims.hop_length
        return torch.where(frame < n_frames, frame, n_frames)

    def infer(
        self, mel: np.ndarray, *, seed: int | None = None, target: int = 8000, overlap: int = 800
    ) -> np.ndarray:
        """(80, T) mel in [-4, 4], T >= 2 -> float32 wav of (T - 1) * 200 samples."""
        if mel.ndim != 2 or mel.shape[0] != self.dims.feat_dims or mel.shape[1] < 2:
            raise ValueError(f"expected a ({self.dims.feat_dims}, T >= 2) mel, got {mel.shape}")
        n_frames = mel.shape[1]
        wave_len = self.output_length(n_frames)
        generator = torch.Generator()
        if seed is None:
            generator.seed()  # fresh entropy, without touching torch's global generator
        else:
            generator.manual_seed(seed)
        mel_up, aux = self.conditioning(mel)
        aux = torch.cat([aux, torch.zeros(1, aux.shape[1])])  # the zero padding's row
        mel_up = folding.fold_with_overlap(mel_up, target, overlap)
        n_folds, fold_len, _ = mel_up.shape
        aux_index = self._aux_index(n_frames, n_folds, fold_len, target + overlap)
        # The RNN is causal: with one segment, steps past the kept length cannot change
        # what is kept, so they are not computed (the reference runs all of them).
        n_steps = fold_len if n_folds > 1 else min(fold_len, wave_len)
        classes = self.sampler.sample(mel_up, aux, n_steps, generator, aux_index=aux_index)
        samples = np.zeros((n_folds, fold_len), dtype=np.float64)
        samples[:, :n_steps] = 2.0 * classes.numpy() / (self.dims.n_classes - 1.0) - 1.0
        wav = folding.xfade_and_unfold(samples, overlap)
        wav = folding.decode_mu_law(wav, self.dims.n_classes)
        wav = folding.de_emphasis(wav, rtvc_mel.PREEMPHASIS)[:wave_len]
        wav = folding.fade_out_tail(wav, FADE_OUT_HOPS * self.dims.hop_length)
        peak = np.abs(wav).max(initial=0.0)
        if peak > 1.0:
            # De-emphasis (gain up to 33 at low frequencies) can exceed full scale, and
            # RTVC returned that as is; scale down rather than clip.
            wav /= peak
        return wav.astype(np.float32)
