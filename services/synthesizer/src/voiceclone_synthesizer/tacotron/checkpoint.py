"""Load an RTVC `synthesizer.pt` strictly, with errors that say what is wrong.

Accepted containers: RTVC's `{"model_state": ..., "optimizer_state": ...}` (the published
file), or a bare state dict. `weights_only=True`: a checkpoint cannot run code.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from voiceclone_synthesizer.tacotron.model import Tacotron, TacotronDims

EXPECTED_SYMBOLS = 66


class CheckpointError(RuntimeError):
    """The file is missing, unreadable, or not an RTVC Tacotron state dict."""


def _state_dict(obj: object, path: Path) -> Mapping[str, torch.Tensor]:
    if isinstance(obj, Mapping) and "model_state" in obj:
        obj = obj["model_state"]
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise CheckpointError(
            f"{path} is not a Tacotron checkpoint: expected a dict with 'model_state' "
            "(RTVC's synthesizer.pt) or a state dict"
        )
    return obj


def quantize_decoder(model: Tacotron) -> None:
    """int8 dynamic quantisation of the decoder's two 1024-wide LSTMs and its input
    projection: per step they read 75 MB of fp32 weights, and at batch 1 that memory
    traffic is the whole cost (measured: an LSTM cell 5x faster). Not bit-exact."""
    dec = model.decoder
    qconfig = torch.ao.quantization.default_dynamic_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's eager API is deprecated, still works
        for name in ("res_rnn1", "res_rnn2", "rnn_input"):
            wrapped = torch.nn.Sequential(getattr(dec, name))
            quantized = torch.ao.quantization.quantize_dynamic(
                wrapped, {type(getattr(dec, name)): qconfig}, dtype=torch.qint8
            )
            setattr(dec, name, quantized[0])


def load_tacotron(
    path: str | Path,
    *,
    prenet_dropout: bool = True,
    quantize: bool = False,
    threads: int | None = None,
) -> Tacotron:
    """Build the network from the checkpoint's shapes and load it strictly (eval mode).

    `quantize`: int8 decoder LSTMs (faster, not bit-identical to RTVC).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Tacotron checkpoint not found: {path}")
    if threads:
        torch.set_num_threads(threads)
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors all mean: unreadable file
        raise CheckpointError(f"cannot read Tacotron checkpoint {path}: {exc}") from exc
    state = _state_dict(raw, path)
    try:
        dims = TacotronDims.from_state_dict(state)
    except KeyError as exc:
        raise CheckpointError(
            f"{path} is not an RTVC Tacotron checkpoint: missing {exc.args[0]!r}"
        ) from exc
    if dims.num_chars != EXPECTED_SYMBOLS:
        raise CheckpointError(
            f"{path} has {dims.num_chars} symbols; this text front end has "
            f"{EXPECTED_SYMBOLS} (RTVC's English table)"
        )
    model = Tacotron(dims)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path} does not match RTVC's Tacotron layout: {exc}") from exc
    model.eval()
    model.set_prenet_dropout(prenet_dropout)
    for name, tensor in state.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: weight {name} contains NaN or infinity")
    if quantize:
        quantize_decoder(model)
    return model
