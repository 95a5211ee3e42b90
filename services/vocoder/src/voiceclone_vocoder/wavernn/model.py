"""RTVC's WaveRNN as a torch module with the checkpoint's exact layout.

The parameter names and shapes are those of Real-Time-Voice-Cloning's
`vocoder/models/fatchord_version.py` (listed in `rtvc-state-dicts.json`), so that a
`vocoder.pt` loads with `load_state_dict(strict=True)`. The dimensions are read from
the checkpoint itself (`WaveRNNDims.from_state_dict`), so a smaller test checkpoint in
the same format loads too. Only the conditioning network (`upsample`) runs as a module;
the autoregressive loop lives in `generate.py`, which reads the weights from here.

Shapes: a mel batch is `(batch, feat_dims, frames)`; conditioning features are
`(batch, frames * hop_length, ...)`, one vector per output sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class WaveRNNDims:
    """The hyperparameters that shape the network (RTVC's values are the defaults)."""

    rnn_dims: int = 512
    fc_dims: int = 512
    bits: int = 9
    pad: int = 2  # mel frames of context either side of the resnet's first convolution
    upsample_factors: tuple[int, ...] = (5, 5, 8)
    feat_dims: int = 80
    compute_dims: int = 128
    res_out_dims: int = 128
    res_blocks: int = 10

    @property
    def n_classes(self) -> int:
        return 2**self.bits

    @property
    def aux_dims(self) -> int:
        return self.res_out_dims // 4

    @property
    def hop_length(self) -> int:
        return math.prod(self.upsample_factors)

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor]) -> WaveRNNDims:
        """Read the dimensions off a RTVC WaveRNN state dict (KeyError if not one)."""
        conv_in = state["upsample.resnet.conv_in.weight"]  # (compute, feat, 2 * pad + 1)
        n_blocks = 1 + max(
            int(k.split(".")[3]) for k in state if k.startswith("upsample.resnet.layers.")
        )
        # up_layers alternate stretch (no weights) and conv: odd indices hold kernels of
        # width 2 * scale + 1.
        kernels = sorted(
            (int(k.split(".")[2]), v.shape[-1])
            for k, v in state.items()
            if k.startswith("upsample.up_layers.")
        )
        return cls(
            rnn_dims=state["rnn1.weight_hh_l0"].shape[1],
            fc_dims=state["fc1.weight"].shape[0],
            bits=int(math.log2(state["fc3.weight"].shape[0])),
            pad=(conv_in.shape[2] - 1) // 2,
            upsample_factors=tuple((width - 1) // 2 for _, width in kernels),
            feat_dims=conv_in.shape[1],
            compute_dims=conv_in.shape[0],
            res_out_dims=state["upsample.resnet.conv_out.weight"].shape[0],
            res_blocks=n_blocks,
        )


class ResBlock(nn.Module):
    def __init__(self, dims: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(dims, dims, kernel_size=1, bias=False)
        self.conv2 = nn.Conv1d(dims, dims, kernel_size=1, bias=False)
        self.batch_norm1 = nn.BatchNorm1d(dims)
        self.batch_norm2 = nn.BatchNorm1d(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.batch_norm1(self.conv1(x)))
        return x + self.batch_norm2(self.conv2(y))


class MelResNet(nn.Module):
    """(batch, feat_dims, frames + 2 pad) -> (batch, res_out_dims, frames)."""

    def __init__(self, dims: WaveRNNDims) -> None:
        super().__init__()
        self.conv_in = nn.Conv1d(
            dims.feat_dims, dims.compute_dims, kernel_size=2 * dims.pad + 1, bias=False
        )
        self.batch_norm = nn.BatchNorm1d(dims.compute_dims)
        self.layers = nn.ModuleList(ResBlock(dims.compute_dims) for _ in range(dims.res_blocks))
        self.conv_out = nn.Conv1d(dims.compute_dims, dims.res_out_dims, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.batch_norm(self.conv_in(x)))
        for layer in self.layers:
            x = layer(x)
        return self.conv_out(x)


class Stretch(nn.Module):
    """Nearest-neighbour upsampling of the last axis by `scale` (RTVC's Stretch2d(s, 1))."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.repeat_interleave(x, self.scale, dim=-1)


class UpsampleNetwork(nn.Module):
    """Mel frames -> per-sample conditioning: the upsampled mel and the resnet's aux.

    Input `(batch, feat_dims, frames + 2 pad)`; output `(mel, aux)` with shapes
    `(batch, frames * hop, feat_dims)` and `(batch, frames * hop, res_out_dims)`.
    """

    def __init__(self, dims: WaveRNNDims) -> None:
        super().__init__()
        self.indent = dims.pad * dims.hop_length
        self.hop_length = dims.hop_length
        self.resnet = MelResNet(dims)
        layers: list[nn.Module] = []
        for scale in dims.upsample_factors:
            layers.append(Stretch(scale))
            layers.append(
                nn.Conv2d(1, 1, kernel_size=(1, 2 * scale + 1), padding=(0, scale), bias=False)
            )
        self.up_layers = nn.ModuleList(layers)

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        aux = torch.repeat_interleave(self.resnet(mel), self.hop_length, dim=-1)
        m = mel.unsqueeze(1)  # (batch, 1, feat, time): the convolutions run along time only
        for layer in self.up_layers:
            m = layer(m)
        m = m.squeeze(1)[:, :, self.indent : -self.indent]
        return m.transpose(1, 2), aux.transpose(1, 2)


class WaveRNN(nn.Module):
    """The checkpoint's module tree: `upsample`, `I`, `rnn1`, `rnn2`, `fc1..fc3`, `step`."""

    def __init__(self, dims: WaveRNNDims) -> None:
        super().__init__()
        self.dims = dims
        d = dims
        self.upsample = UpsampleNetwork(d)
        self.I = nn.Linear(d.feat_dims + d.aux_dims + 1, d.rnn_dims)
        self.rnn1 = nn.GRU(d.rnn_dims, d.rnn_dims, batch_first=True)
        self.rnn2 = nn.GRU(d.rnn_dims + d.aux_dims, d.rnn_dims, batch_first=True)
        self.fc1 = nn.Linear(d.rnn_dims + d.aux_dims, d.fc_dims)
        self.fc2 = nn.Linear(d.fc_dims + d.aux_dims, d.fc_dims)
        self.fc3 = nn.Linear(d.fc_dims, d.n_classes)
        self.step = nn.Parameter(torch.zeros(1, dtype=torch.long), requires_grad=False)
