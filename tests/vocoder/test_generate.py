"""The fast sampler computes RTVC's network exactly: same samples as the plain loop."""

from __future__ import annotations

import numpy as np
import torch
from voiceclone_vocoder.wavernn.generate import FastSampler
from voiceclone_vocoder.wavernn.model import WaveRNNDims
from voiceclone_vocoder.wavernn.reference import reference_sample

from .conftest import SMALL_DIMS, random_wavernn


def _conditioning(dims: WaveRNNDims, folds: int, steps: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(7)
    mel = 0.5 * torch.randn(folds, steps, dims.feat_dims, generator=g)
    aux = torch.randn(folds, steps, dims.res_out_dims, generator=g)
    return mel, aux


def test_fast_sampler_equals_reference_loop_given_the_same_uniforms() -> None:
    model = random_wavernn(SMALL_DIMS, seed=3).eval()
    mel, aux = _conditioning(SMALL_DIMS, folds=3, steps=600)  # > one conditioning chunk
    fast = FastSampler(model).sample(mel, aux, 600, torch.Generator().manual_seed(11))
    plain = reference_sample(model, mel, aux, 600, torch.Generator().manual_seed(11))
    assert fast.shape == plain.shape == (3, 600)
    # Regrouped float32 products can flip a draw that falls within ~1e-7 of a class
    # boundary; after a flip the sequences diverge, so demand near-total agreement.
    assert (fast == plain).float().mean() > 0.99
    assert len(set(fast.flatten().tolist())) > 20, "random weights should spread the classes"


def test_fast_sampler_equals_reference_at_real_size() -> None:
    model = random_wavernn(WaveRNNDims(), seed=5).eval()
    mel, aux = _conditioning(WaveRNNDims(), folds=2, steps=60)
    fast = FastSampler(model).sample(mel, aux, 60, torch.Generator().manual_seed(2))
    plain = reference_sample(model, mel, aux, 60, torch.Generator().manual_seed(2))
    assert torch.equal(fast, plain)


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    sampler = FastSampler(random_wavernn(SMALL_DIMS).eval())
    mel, aux = _conditioning(SMALL_DIMS, folds=2, steps=200)

    def run(seed: int) -> torch.Tensor:
        return sampler.sample(mel, aux, 200, torch.Generator().manual_seed(seed))

    assert torch.equal(run(1), run(1))
    assert not torch.equal(run(1), run(2))


def test_per_frame_aux_lookup_equals_per_sample_aux() -> None:
    from voiceclone_vocoder.wavernn import WaveRNNVocoder, folding

    model = random_wavernn(SMALL_DIMS, seed=4).eval()
    vocoder = WaveRNNVocoder(model)
    mel = np.random.default_rng(0).uniform(-4, 0, (80, 12)).astype(np.float32)
    mel_up, aux_frames = vocoder.conditioning(mel)
    with torch.no_grad():  # RTVC's way: the upsample network stretches aux per sample
        padded = torch.nn.functional.pad(torch.from_numpy(mel / 4)[None], (2, 2))
        ref_mel_up, ref_aux = model.upsample(padded)
    torch.testing.assert_close(mel_up, ref_mel_up)
    target, overlap = 500, 100
    folded_mel = folding.fold_with_overlap(mel_up, target, overlap)
    folded_aux = folding.fold_with_overlap(ref_aux, target, overlap)
    n_folds, fold_len, _ = folded_mel.shape
    index = vocoder._aux_index(12, n_folds, fold_len, target + overlap)
    rows = torch.cat([aux_frames, torch.zeros(1, aux_frames.shape[1])])
    assert torch.equal(rows[index], folded_aux)
    sampler = vocoder.sampler
    by_frame = sampler.sample(folded_mel, rows, fold_len, torch.Generator().manual_seed(5),
                              aux_index=index)
    by_sample = sampler.sample(folded_mel, folded_aux, fold_len, torch.Generator().manual_seed(5))
    assert (by_frame == by_sample).float().mean() > 0.99


def test_folds_split_across_workers_give_the_same_samples() -> None:
    """Each fold's uniforms are drawn before the split, so a seed fixes the output
    whatever the number of workers; the groups are independent sequences."""
    model = random_wavernn(SMALL_DIMS, seed=6).eval()
    mel, aux = _conditioning(SMALL_DIMS, folds=9, steps=300)
    one = FastSampler(model, workers=1).sample(mel, aux, 300, torch.Generator().manual_seed(3))
    sampler = FastSampler(model, workers=2)
    try:
        two = sampler.sample(mel, aux, 300, torch.Generator().manual_seed(3))
        again = sampler.sample(mel, aux, 300, torch.Generator().manual_seed(3))
        assert sampler._pool is not None, "9 folds on 2 workers are split"
    finally:
        sampler.close()
    assert two.shape == one.shape == (9, 300)
    assert torch.equal(two, again)
    # A batch of 4 or 5 rows may round a product differently from a batch of 9.
    assert (two == one).float().mean() > 0.99


def test_more_workers_than_folds_is_fine() -> None:
    model = random_wavernn(SMALL_DIMS, seed=6).eval()
    mel, aux = _conditioning(SMALL_DIMS, folds=1, steps=50)
    sampler = FastSampler(model, workers=4)
    out = sampler.sample(mel, aux, 50, torch.Generator().manual_seed(0))
    assert out.shape == (1, 50)
    assert sampler._pool is None  # one group: sampled in the caller's thread


def test_few_folds_stay_on_one_worker_with_the_compiled_kernel() -> None:
    from voiceclone_vocoder.wavernn.kernels import compiled_isa

    model = random_wavernn(SMALL_DIMS, seed=6).eval()
    mel, aux = _conditioning(SMALL_DIMS, folds=3, steps=20)
    compiled = FastSampler(model, workers=2)
    torch_path = FastSampler(model, workers=2, kernel="torch")
    try:
        compiled.sample(mel, aux, 20, torch.Generator().manual_seed(0))
        torch_path.sample(mel, aux, 20, torch.Generator().manual_seed(0))
        # The kernel reads the weights once for up to 8 rows: no split below 8 folds.
        assert (compiled._pool is None) == (compiled_isa() != "none")
        assert torch_path._pool is not None
    finally:
        compiled.close()
        torch_path.close()
