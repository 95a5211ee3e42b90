"""RTVC's Tacotron (SV2TTS synthesizer) on torch, loading `synthesizer.pt` unmodified.

    layers.py      building blocks (pre-net, CBHG, location-sensitive attention)
    model.py       the network, its dimensions read from the checkpoint, `generate`
    checkpoint.py  strict loading with errors a person can act on

Python API:

    from voiceclone_synthesizer.tacotron import load_tacotron
    model = load_tacotron("models/synthesizer.pt")           # strict, eval mode
    mels = model.synthesize([[35, 36, 1]], embeds)           # list of (80, T) arrays
"""

from voiceclone_synthesizer.tacotron.checkpoint import CheckpointError, load_tacotron
from voiceclone_synthesizer.tacotron.model import Tacotron, TacotronDims

__all__ = ["CheckpointError", "Tacotron", "TacotronDims", "load_tacotron"]
