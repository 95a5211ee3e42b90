"""Speaker embeddings as the models want them: (B, 256) float32, L2-normalised.

The encoder's embeddings already have norm 1. Others (averaged embeddings, rounded JSON)
are rescaled to norm 1, which is what the Tacotron was trained on; all-zero has no
direction and is rejected. Vectors within 1e-3 of norm 1 are left bit-for-bit alone, so
the in-process and the split deployment give the same mels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from voiceclone_common.errors import BadInput

NORM_TOLERANCE = 1e-3


def normalise_embeddings(embeds: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """-> (B, D) float32 with unit L2 norm per row. Raises BadInput for a zero row."""
    array = np.asarray(embeds, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array.astype(np.float64), axis=1)
    for index, norm in enumerate(norms):
        if not np.isfinite(norm) or norm == 0.0:
            raise BadInput(
                f"speaker embedding {index} is all zeros (or not finite): pass the encoder's "
                "256-value output for the voice to clone"
            )
    needs_scaling = np.abs(norms - 1.0) > NORM_TOLERANCE
    if needs_scaling.any():
        array = array.copy()
        array[needs_scaling] /= norms[needs_scaling, None].astype(np.float32)
    return array
