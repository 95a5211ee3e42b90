"""The tacotron backend: RTVC's Tacotron from `synthesizer.pt`, run in this process.

    backend = TacotronBackend.load("models/synthesizer.pt", prenet_dropout=True)
    mels = backend.synthesize(["Hello there."], embeds)       # [(80, T)]
    mels = backend.generate_ids([[35, 36, 1]], embeds)        # the model server's entry

Text goes through RTVC's english_cleaners and symbol table; a batch is zero-padded to
its longest row exactly as RTVC's `synthesize_spectrograms` does (the padding is part of
the encoder's input, so it changes the output slightly: same batch, same result).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from voiceclone_synthesizer.backends import BackendUnavailable
from voiceclone_synthesizer.config import TacotronOptions
from voiceclone_synthesizer.mels import trim_trailing_silence
from voiceclone_synthesizer.tacotron import CheckpointError, Tacotron, load_tacotron
from voiceclone_synthesizer.text import sentence_to_ids
from voiceclone_synthesizer.text.symbols import pad_ids


class TacotronBackend:
    name = "tacotron"

    def __init__(self, model: Tacotron, *, max_frames: int = 2000) -> None:
        self.model = model
        self.max_frames = max_frames
        # One generate at a time: the attention module keeps per-call state, and two
        # concurrent calls would only fight over the same cores.
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        prenet_dropout: bool = True,
        quantize: bool = False,
        max_frames: int = 2000,
    ) -> TacotronBackend:
        try:
            model = load_tacotron(path, prenet_dropout=prenet_dropout, quantize=quantize)
        except CheckpointError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return cls(model, max_frames=max_frames)

    @classmethod
    def from_settings(cls, settings: TacotronOptions) -> TacotronBackend:
        if settings.seed is not None:
            torch.manual_seed(settings.seed)
        return cls.load(
            settings.tacotron_checkpoint(),
            prenet_dropout=settings.prenet_dropout,
            quantize=settings.quantize == "int8",
            max_frames=settings.max_decoder_steps,
        )

    @property
    def speaker_embedding_size(self) -> int:
        return self.model.dims.speaker_embedding_size

    @property
    def stop_threshold(self) -> float:
        return float(self.model.stop_threshold)

    def generate_batch(
        self, ids: list[list[int]], embeds: np.ndarray, max_frames: int | None = None
    ) -> np.ndarray:
        """B id rows (any lengths; zero-padded here) + (B, S) embeddings -> (B, 80, T)
        untrimmed: every item runs until the whole batch stopped (RTVC's generate)."""
        chars = torch.from_numpy(pad_ids(ids))
        speakers = torch.from_numpy(np.ascontiguousarray(embeds, dtype=np.float32))
        with self._lock:
            mels, _ = self.model.generate(chars, speakers, max_frames=max_frames or self.max_frames)
        return mels.numpy()

    def generate_ids(self, ids: list[list[int]], embeds: np.ndarray) -> list[np.ndarray]:
        """Like `generate_batch`, each mel trimmed of its trailing silence (RTVC's rule)."""
        batch = self.generate_batch(ids, embeds)
        return [trim_trailing_silence(m, self.stop_threshold) for m in batch]

    def synthesize(self, sentences: list[str], embeds: np.ndarray) -> list[np.ndarray]:
        return self.generate_ids([sentence_to_ids(s) for s in sentences], embeds)

    def warmup(self) -> None:
        size = self.speaker_embedding_size
        embed = np.full((1, size), size**-0.5, dtype=np.float32)
        self.generate_batch([sentence_to_ids("Warm up.")], embed, max_frames=8)
