"""Speaker embeddings: normalised, zero rejected, near-unit ones left untouched."""

from __future__ import annotations

import numpy as np
import pytest
from voiceclone_common.errors import BadInput
from voiceclone_synthesizer.embeddings import normalise_embeddings


def test_scaled_to_unit_norm() -> None:
    out = normalise_embeddings([[3.0, 4.0] + [0.0] * 254])
    assert out.shape == (1, 256) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :2], [0.6, 0.8], rtol=1e-6)


def test_unit_vectors_are_bit_identical() -> None:
    rng = np.random.default_rng(0)
    unit = rng.random((2, 256)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    assert np.array_equal(normalise_embeddings(unit), unit)


def test_zero_embedding_rejected_naming_the_row() -> None:
    with pytest.raises(BadInput, match="embedding 1 is all zeros"):
        normalise_embeddings([[1.0] * 256, [0.0] * 256])
