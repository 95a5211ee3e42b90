"""Folding and cross-fading follow RTVC's fold_with_overlap / xfade_and_unfold."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from voiceclone_vocoder.wavernn import folding


@pytest.mark.parametrize("total_len", [10, 11, 13, 30, 100])
def test_fold_matches_rtvc_definition(total_len: int) -> None:
    target, overlap = 4, 2
    x = torch.arange(total_len, dtype=torch.float32).view(1, -1, 1)
    folded = folding.fold_with_overlap(x, target, overlap)
    # RTVC: floor((total - overlap) / (target + overlap)) folds, one more if samples remain
    n = (total_len - overlap) // (target + overlap)
    if total_len - (n * (target + overlap) + overlap) != 0:
        n += 1
    assert folded.shape == (n, target + 2 * overlap, 1)
    for i in range(n):
        start = i * (target + overlap)
        expected = [float(v) if v < total_len else 0.0 for v in range(start, start + 8)]
        assert folded[i, :, 0].tolist() == expected


def test_fold_short_input_gives_one_fold() -> None:
    x = torch.ones(1, 3, 2)
    assert folding.fold_with_overlap(x, 8000, 800).shape == (1, 9600, 2)


def test_xfade_and_unfold_restores_a_folded_signal() -> None:
    target, overlap = 40, 10
    signal = np.sin(np.arange(300) / 7.0)
    folded = folding.fold_with_overlap(torch.tensor(signal).view(1, -1, 1), target, overlap)
    unfolded = folding.xfade_and_unfold(folded[:, :, 0].double().numpy(), overlap)
    # Equal-power fades of identical content sum to sqrt(2) at worst in the middle; away
    # from the overlaps the signal is untouched. The first half-overlap is muted.
    assert np.all(unfolded[:5] == 0)
    for i in range(folded.shape[0]):
        start = i * (target + overlap) + overlap
        np.testing.assert_allclose(unfolded[start : start + target], signal[start : start + target])


def test_mu_law_expansion_endpoints() -> None:
    y = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(folding.decode_mu_law(y, 512), y)
    assert abs(folding.decode_mu_law(np.array([0.5]), 512)[0]) < 0.5  # expands toward 0


def test_fade_out_tail_handles_short_signals() -> None:
    wav = np.ones(10)
    folding.fade_out_tail(wav, 4000)
    assert wav[-1] == 0.0 and wav[0] < 1.0
