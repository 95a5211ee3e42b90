"""Building blocks of RTVC's Tacotron, with that project's attribute names (they are the
state-dict keys) and its arithmetic, including its quirks:

- `BatchNormConv` applies ReLU *before* batch norm;
- `PreNet` dropout is applied even in eval mode unless `dropout_at_inference` is off;
- `LSA` masks padded characters by multiplying their energies by 0 (not -inf) before
  the softmax, and feeds only the cumulative attention to its location conv.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class HighwayNetwork(nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.W1 = nn.Linear(size, size)
        self.W2 = nn.Linear(size, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.W2(x))
        return gate * F.relu(self.W1(x)) + (1.0 - gate) * x


class BatchNormConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel: int, relu: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel, padding=kernel // 2, bias=False)
        self.bnorm = nn.BatchNorm1d(out_channels)
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.relu:
            x = F.relu(x)
        return self.bnorm(x)


class CBHG(nn.Module):
    """Conv bank (kernels 1..K) + max-pool + projections + residual + highways + bi-GRU.

    forward: (B, in_channels, T) -> (B, T, 2 * (channels // 2)).
    """

    def __init__(
        self, K: int, in_channels: int, channels: int, proj_channels: tuple[int, int],
        num_highways: int,
    ) -> None:
        super().__init__()
        self.conv1d_bank = nn.ModuleList(
            BatchNormConv(in_channels, channels, k) for k in range(1, K + 1)
        )
        self.maxpool = nn.MaxPool1d(kernel_size=2, stride=1, padding=1)
        self.conv_project1 = BatchNormConv(K * channels, proj_channels[0], 3)
        self.conv_project2 = BatchNormConv(proj_channels[0], proj_channels[1], 3, relu=False)
        self.highway_mismatch = proj_channels[-1] != channels
        if self.highway_mismatch:
            self.pre_highway = nn.Linear(proj_channels[-1], channels, bias=False)
        self.highways = nn.ModuleList(HighwayNetwork(channels) for _ in range(num_highways))
        self.rnn = nn.GRU(channels, channels // 2, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        seq_len = x.size(-1)
        # Even kernels produce one extra frame: cut every output back to T.
        bank = torch.cat([conv(x)[:, :, :seq_len] for conv in self.conv1d_bank], dim=1)
        x = self.maxpool(bank)[:, :, :seq_len]
        x = self.conv_project2(self.conv_project1(x)) + residual
        x = x.transpose(1, 2)
        if self.highway_mismatch:
            x = self.pre_highway(x)
        for highway in self.highways:
            x = highway(x)
        x, _ = self.rnn(x)
        return x


class PreNet(nn.Module):
    def __init__(self, in_dims: int, fc1_dims: int, fc2_dims: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_dims, fc1_dims)
        self.fc2 = nn.Linear(fc1_dims, fc2_dims)
        self.p = dropout
        # RTVC calls F.dropout(training=True): dropout stays on at inference. Switchable.
        self.dropout_at_inference = True

    def _dropout(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or self.dropout_at_inference:
            return F.dropout(x, self.p, training=True)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._dropout(F.relu(self.fc1(x)))
        return self._dropout(F.relu(self.fc2(x)))


class LSA(nn.Module):
    """Location-sensitive attention over the encoder outputs; keeps its cumulative weights.

    forward(encoder_seq_proj (B, N, A), query (B, A), chars (B, N)) -> scores (B, 1, N).
    """

    def __init__(self, attn_dim: int, kernel_size: int = 31, filters: int = 32) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, filters, kernel_size, padding=(kernel_size - 1) // 2, bias=True)
        self.L = nn.Linear(filters, attn_dim, bias=False)
        self.W = nn.Linear(attn_dim, attn_dim, bias=True)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.cumulative: torch.Tensor | None = None

    def reset(self, encoder_seq_proj: torch.Tensor) -> None:
        batch, length, _ = encoder_seq_proj.shape
        self.cumulative = encoder_seq_proj.new_zeros(batch, length)

    def forward(
        self, encoder_seq_proj: torch.Tensor, query: torch.Tensor, char_mask: torch.Tensor
    ) -> torch.Tensor:
        assert self.cumulative is not None, "call reset() before the first step"
        processed_query = self.W(query).unsqueeze(1)
        processed_loc = self.L(self.conv(self.cumulative.unsqueeze(1)).transpose(1, 2))
        u = self.v(torch.tanh(processed_query + encoder_seq_proj + processed_loc)).squeeze(-1)
        scores = F.softmax(u * char_mask, dim=1)
        self.cumulative = self.cumulative + scores
        return scores.unsqueeze(1)
