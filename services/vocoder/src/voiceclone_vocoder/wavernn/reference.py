"""A plain re-implementation of RTVC's per-sample generation loop, for tests and bench.

It follows `fatchord_version.WaveRNN.generate` step by step (GRUCells built from the
GRU weights, concatenations, `I`, fc1..fc3, softmax) and is deliberately not optimised:
the benchmark measures the fast sampler against it, and the tests check that both give
the same samples when fed the same uniforms (`sampling="inverse_cdf"`). With
`sampling="categorical"` it draws like RTVC, from `torch.distributions.Categorical`.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from voiceclone_vocoder.wavernn.model import WaveRNN


def _gru_cell(gru: nn.GRU) -> nn.GRUCell:
    cell = nn.GRUCell(gru.input_size, gru.hidden_size)
    cell.weight_ih.data = gru.weight_ih_l0.data
    cell.weight_hh.data = gru.weight_hh_l0.data
    cell.bias_ih.data = gru.bias_ih_l0.data
    cell.bias_hh.data = gru.bias_hh_l0.data
    return cell


@torch.no_grad()
def reference_sample(
    model: WaveRNN,
    mel_up: torch.Tensor,
    aux: torch.Tensor,
    n_steps: int,
    generator: torch.Generator,
    sampling: Literal["categorical", "inverse_cdf"] = "inverse_cdf",
) -> torch.Tensor:
    """Same contract as `FastSampler.sample`: class indices `(folds, n_steps)`."""
    d = model.dims
    folds = mel_up.shape[0]
    rnn1, rnn2 = _gru_cell(model.rnn1), _gru_cell(model.rnn2)
    uniforms = torch.rand(n_steps, folds, 1, generator=generator)
    h1 = torch.zeros(folds, d.rnn_dims)
    h2 = torch.zeros(folds, d.rnn_dims)
    x = torch.zeros(folds, 1)
    a = d.aux_dims
    aux_split = [aux[:, :, a * i : a * (i + 1)] for i in range(4)]
    output = []
    for i in range(n_steps):
        m_t = mel_up[:, i, :]
        a1_t, a2_t, a3_t, a4_t = (part[:, i, :] for part in aux_split)
        x = torch.cat([x, m_t, a1_t], dim=1)
        x = model.I(x)
        h1 = rnn1(x, h1)
        x = x + h1
        h2 = rnn2(torch.cat([x, a2_t], dim=1), h2)
        x = x + h2
        x = F.relu(model.fc1(torch.cat([x, a3_t], dim=1)))
        x = F.relu(model.fc2(torch.cat([x, a4_t], dim=1)))
        posterior = F.softmax(model.fc3(x), dim=1)
        if sampling == "categorical":
            index = torch.distributions.Categorical(posterior).sample()
        else:
            cdf = torch.cumsum(posterior, dim=1)
            index = torch.searchsorted(cdf, uniforms[i] * cdf[:, -1:], right=True)[:, 0]
            index = index.clamp(max=d.n_classes - 1)
        output.append(index)
        x = (2 * index.float() / (d.n_classes - 1.0) - 1.0).unsqueeze(-1)
    return torch.stack(output).T
