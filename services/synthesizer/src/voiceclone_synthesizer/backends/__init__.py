"""Synthesizer backends: sentences + speaker embeddings -> mel spectrograms.

Every backend has the same two methods (`SynthesizerBackend`); `load_backend` picks one
by `SYNTHESIZER_BACKEND`:

    auto      tacotron when the Tacotron checkpoint (MODELS_DIR/synthesizer.pt) exists,
              else default
    tacotron  RTVC's Tacotron (backends/tacotron.py); a missing checkpoint is an error
    default   a packaged speech engine and voice bank, no download
              (backends/default_voice/)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from voiceclone_synthesizer.config import TacotronOptions

# RTVC's stop threshold: trailing mel frames whose maximum is below it are silence.
STOP_THRESHOLD = -3.4


class BackendUnavailable(RuntimeError):
    """The configured backend cannot be built (missing or incompatible checkpoint...)."""


@runtime_checkable
class SynthesizerBackend(Protocol):
    name: str

    def synthesize(self, sentences: list[str], embeds: np.ndarray) -> list[np.ndarray]:
        """sentences: B raw sentences (already split; each backend does its own text
        processing); embeds: (B, 256) float32, L2-normalised.
        Returns B mels, each (80, T_b) float32 in RTVC's symmetric [-4, 4] normalisation,
        trailing frames below the stop threshold (-3.4) already trimmed."""
        ...

    def warmup(self) -> None:
        """Run one small real forward pass, so the first request is not the slow one."""
        ...


def resolve_backend_name(settings: TacotronOptions) -> str:
    """`auto` -> `tacotron` when the checkpoint exists, else `default`."""
    choice = getattr(settings, "backend", "tacotron")
    if choice == "auto":
        return "tacotron" if settings.tacotron_checkpoint().is_file() else "default"
    return choice


def load_backend(settings: TacotronOptions) -> SynthesizerBackend:
    """Build the configured backend (heavy: loads weights). Raises BackendUnavailable."""
    name = resolve_backend_name(settings)
    if name == "tacotron":
        from voiceclone_synthesizer.backends.tacotron import TacotronBackend

        return TacotronBackend.from_settings(settings)
    if name == "default":
        try:
            from voiceclone_synthesizer.backends.default_voice import DefaultVoiceBackend
        except ModuleNotFoundError as exc:
            raise BackendUnavailable(
                f"the default (no download) backend is not installed ({exc}); "
                "put RTVC's synthesizer.pt in MODELS_DIR and use SYNTHESIZER_BACKEND=tacotron"
            ) from exc
        try:
            return DefaultVoiceBackend(settings)
        except Exception as exc:  # its data files are missing or unreadable: say which
            raise BackendUnavailable(f"cannot start the default backend: {exc}") from exc
    raise BackendUnavailable(f"unknown synthesizer backend {name!r}")
