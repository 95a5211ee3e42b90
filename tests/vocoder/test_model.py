"""The module tree matches RTVC's checkpoint layout key for key, shape for shape."""

from __future__ import annotations

import hashlib
import json

import torch
from voiceclone_vocoder.wavernn.model import WaveRNN, WaveRNNDims

from .conftest import SMALL_DIMS, random_wavernn

# sha256 of json.dumps([[key, shape, dtype], ...]) of RTVC's vocoder state_dict, in
# order, as listed in rtvc-state-dicts.json (148 entries, 4,480,936 parameters).
RTVC_LAYOUT_DIGEST = "bdfdbfdd4d3544ff"


def _layout(model: WaveRNN) -> list[list[object]]:
    return [
        [k, list(v.shape), str(v.dtype).removeprefix("torch.")]
        for k, v in model.state_dict().items()
    ]


def test_layout_is_rtvc_exactly() -> None:
    model = WaveRNN(WaveRNNDims())
    layout = _layout(model)
    assert len(layout) == 148
    assert sum(p.numel() for p in model.parameters()) == 4_480_936
    digest = hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:16]
    assert digest == RTVC_LAYOUT_DIGEST
    shapes = dict((k, s) for k, s, _ in layout)
    assert shapes["I.weight"] == [512, 113]
    assert shapes["rnn2.weight_ih_l0"] == [1536, 544]
    assert shapes["upsample.up_layers.5.weight"] == [1, 1, 1, 17]
    assert shapes["upsample.resnet.conv_in.weight"] == [128, 80, 5]


def test_dims_read_back_from_state_dict() -> None:
    for dims in (WaveRNNDims(), SMALL_DIMS):
        assert WaveRNNDims.from_state_dict(WaveRNN(dims).state_dict()) == dims
    assert WaveRNNDims().hop_length == 200 and WaveRNNDims().n_classes == 512


def test_upsample_lengths() -> None:
    model = random_wavernn(SMALL_DIMS).eval()
    frames = 7
    with torch.no_grad():
        mel_up, aux = model.upsample(torch.randn(1, 80, frames + 2 * SMALL_DIMS.pad))
    assert mel_up.shape == (1, frames * 200, 80)
    assert aux.shape == (1, frames * 200, SMALL_DIMS.res_out_dims)
    # aux is constant over each hop (nearest-neighbour stretch)
    assert torch.equal(aux[0, :200], aux[0, :1].expand(200, -1))
