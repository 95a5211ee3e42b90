"""Errors of the vocoder beyond the shared hierarchy.

    CheckpointError   a missing, unreadable or mismatched `vocoder.pt`: raised while the
                      service starts, so it stops with this message instead of serving.

Request errors use `voiceclone_common.errors` (BadInput -> 422, Overloaded -> 429, ...).
"""

from __future__ import annotations


class CheckpointError(RuntimeError):
    """The configured backend's checkpoint cannot be used; the message says why and where."""
