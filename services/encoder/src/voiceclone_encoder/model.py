"""The GE2E speaker encoder network and its checkpoint loading.

    mels (batch, 160 frames, 40) -> 3-layer LSTM (hidden 256) -> last layer's final hidden
    state -> linear 256 -> 256 -> ReLU -> L2 norm -> embeddings (batch, 256), each >= 0.

Weights come from Resemblyzer's packaged `pretrained.pt` (default) or RTVC's `encoder.pt`;
both are `torch.save`d dicts with the weights under `model_state`. Loading is strict:
a file with missing, unexpected or misshapen weights stops startup with a message that
says which.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import nn

from voiceclone_encoder.hparams import EMBEDDING_SIZE, HIDDEN_SIZE, MEL_CHANNELS, NUM_LAYERS
from voiceclone_encoder.packed_lstm import PackedLSTM

# Frames per LSTM call. oneDNN's buffers hold every frame of a call (the gates: 4 KiB
# per frame and partial), so shorter calls need less memory: for 24 partials of 160
# frames, 13.6 MB at 160 frames per call, 9.9 MB at 80, 7.6 MB at 40. Measured speed
# on 1 thread: 4.54, 4.38 and 4.55 ms per partial.
TIME_CHUNK_FRAMES = 40

# GE2E's training-only similarity scale and offset: present in both published files,
# meaningless at inference. Accepted, checked for shape, not used.
TRAINING_ONLY_KEYS = {"similarity_weight": (1,), "similarity_bias": (1,)}


class CheckpointError(RuntimeError):
    """The checkpoint file cannot be used; the message says why and which file."""


class SpeakerEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(MEL_CHANNELS, HIDDEN_SIZE, NUM_LAYERS, batch_first=True)
        self.linear = nn.Linear(HIDDEN_SIZE, EMBEDDING_SIZE)
        self.relu = nn.ReLU()
        self._packed: PackedLSTM | None = None

    def pack_for_inference(self) -> bool:
        """Reorder the LSTM weights for oneDNN once (packed_lstm.py). Call it when the
        weights and dtype are final; False where it is not possible (nn.LSTM is used)."""
        self._packed = PackedLSTM.pack(self.lstm)
        return self._packed is not None

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        self._packed = None  # .to(), .float(), ...: the packed copies would be stale
        return super()._apply(fn, recurse)

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        """mels: (batch, frames, 40) float32 -> (batch, 256) L2-normalised embeddings."""
        if self._packed is not None and mels.dtype == self._packed.dtype:
            hidden = self._packed.final_hidden(mels, TIME_CHUNK_FRAMES)
        else:
            hidden = self._final_hidden(mels)
        raw = self.relu(self.linear(hidden)).float()  # normalise in fp32 in bf16 mode
        # A partial whose every ReLU output is 0 has no direction; keep it zero, not NaN.
        return raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-12)

    def _final_hidden(self, mels: torch.Tensor) -> torch.Tensor:
        """The last layer's final hidden state (batch, 256), through nn.LSTM.

        The frames go through in pieces, the state carried: the same arithmetic step
        for step (bit-identical output), but oneDNN's per-call buffers (gates and
        outputs of every frame of the piece) are a fraction of the size.
        """
        state = None
        for first in range(0, mels.shape[1], TIME_CHUNK_FRAMES):
            _, state = self.lstm(mels[:, first : first + TIME_CHUNK_FRAMES], state)
        assert state is not None
        return state[0][-1]


def forward_heap_bytes(batch_partials: int) -> int:
    """Heap one forward pass of `batch_partials` windows uses, with room to spare.

    Per partial and LSTM call: the gates of every frame (TIME_CHUNK_FRAMES x 4 x 256
    floats), two layer outputs (2 x TIME_CHUNK_FRAMES x 256) and the batch's own copy
    (160 x 40); plus up to ~2 MiB of weights reordered per call (none when packed).
    Twice that, for fragmentation: measured with nn.LSTM and 24 partials, 12 MiB left
    ~150 page faults per forward, 16 MiB none.
    """
    per_partial = 4 * (TIME_CHUNK_FRAMES * (4 + 2) * HIDDEN_SIZE + 160 * MEL_CHANNELS)
    return 2 * (batch_partials * per_partial + (2 << 20))


def packaged_weights_path() -> Path:
    """Resemblyzer's `pretrained.pt`, found without importing resemblyzer (or librosa)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise CheckpointError(
            "the resemblyzer package (which carries the default encoder weights) is not "
            "installed; install it or set ENCODER_CHECKPOINT to an RTVC encoder.pt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


def resolve_checkpoint(configured: Path | None, models_dir: Path) -> Path:
    """ENCODER_CHECKPOINT if set, else MODELS_DIR/encoder.pt if present, else the packaged file."""
    if configured is not None:
        return configured
    rtvc = models_dir / "encoder.pt"
    return rtvc if rtvc.is_file() else packaged_weights_path()


def _check_state_dict(state: dict[str, torch.Tensor], model: nn.Module, path: Path) -> dict:
    expected = model.state_dict()
    problems: list[str] = []
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected) - set(TRAINING_ONLY_KEYS))
    if missing:
        problems.append(f"missing {missing}")
    if unexpected:
        problems.append(f"unexpected {unexpected}")
    for key, tensor in state.items():
        want = expected[key].shape if key in expected else TRAINING_ONLY_KEYS.get(key)
        if not isinstance(tensor, torch.Tensor):
            problems.append(f"{key} is a {type(tensor).__name__}, not a tensor")
        elif want is not None and tuple(tensor.shape) != tuple(want):
            problems.append(f"{key} has shape {tuple(tensor.shape)}, expected {tuple(want)}")
    if problems:
        raise CheckpointError(
            f"{path} is not a GE2E speaker encoder checkpoint (3-layer LSTM 40->256, "
            f"linear 256->256): " + "; ".join(problems)
        )
    return {k: v for k, v in state.items() if k in expected}


def load_encoder(path: Path) -> SpeakerEncoder:
    """Build the network and load `path` strictly; CheckpointError says what is wrong."""
    if not path.is_file():
        raise CheckpointError(f"encoder checkpoint {path} does not exist")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a truncated or foreign file
        raise CheckpointError(f"cannot read encoder checkpoint {path}: {exc}") from exc
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model_state"), dict):
        raise CheckpointError(
            f"{path} is not an RTVC/Resemblyzer checkpoint: expected a dict with the "
            "weights under 'model_state'"
        )
    model = SpeakerEncoder()
    weights = _check_state_dict(checkpoint["model_state"], model, path)
    model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=True)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model
