"""The compiled small-batch products equal torch's, for every shape the loop uses."""

from __future__ import annotations

import os

import pytest
import torch
from voiceclone_vocoder.wavernn import kernels
from voiceclone_vocoder.wavernn.generate import FastSampler
from voiceclone_vocoder.wavernn.kernels import PackedLinear
from voiceclone_vocoder.wavernn.reference import reference_sample

from .conftest import SMALL_DIMS, random_wavernn

# .ci/run sets this: on the CI machine the kernel must have been built and must run.
REQUIRED = os.environ.get("VOCODER_REQUIRE_KERNEL") == "1"
compiled = pytest.mark.skipif(
    kernels.compiled_isa() == "none" and not REQUIRED,
    reason="the compiled WaveRNN kernel was not built here (no C compiler at install) "
    "or this CPU has neither AVX-512 nor AVX2; torch's path is used instead",
)


@compiled
def test_kernel_is_available_when_required() -> None:
    assert kernels.compiled_isa() in ("avx512", "avx2")


@compiled
@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 9, 10, 17, 37])
@pytest.mark.parametrize(("k", "n"), [(512, 3072), (512, 512), (33, 50), (7, 16), (64, 100)])
def test_packed_product_equals_torch(m: int, k: int, n: int) -> None:
    g = torch.Generator().manual_seed(m * 1000 + n)
    weight = torch.randn(k, n, generator=g)
    # Rows strided like the loop's views: every buffer is a slice of a wider one.
    x = torch.randn(m, k + 5, generator=g)[:, 2 : 2 + k]
    bias_rows = torch.randn(m, n + 9, generator=g)[:, 4 : 4 + n]
    bias_vec = torch.randn(n, generator=g)
    linear = PackedLinear.make(weight, "compiled")
    for bias in (bias_vec, bias_rows):
        wide = torch.full((m, n + 3), 7.0)
        out = wide[:, 1 : 1 + n]
        linear(x, bias, out)
        expected = bias.double() + x.double() @ weight.double()
        torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-4 * k**0.5)
        # Nothing written outside the view: masked stores at the last strip's edge.
        assert torch.all(wide[:, 0] == 7.0) and torch.all(wide[:, 1 + n :] == 7.0)


@compiled
def test_bad_buffers_are_refused() -> None:
    linear = PackedLinear.make(torch.randn(8, 32), "compiled")
    with pytest.raises(ValueError, match="unit column stride"):
        linear(torch.randn(8, 2).T, torch.zeros(32), torch.empty(2, 32))
    with pytest.raises(ValueError):
        linear(torch.randn(2, 8), torch.zeros(31), torch.empty(2, 32))
    with pytest.raises(ValueError):
        linear(torch.randn(2, 8).double(), torch.zeros(32), torch.empty(2, 32))


def test_torch_path_needs_no_kernel() -> None:
    weight = torch.randn(6, 10)
    linear = PackedLinear.make(weight, "torch")
    assert not linear.compiled
    x, out = torch.randn(3, 6), torch.empty(3, 10)
    linear(x, torch.ones(10), out)
    torch.testing.assert_close(out, 1 + x @ weight)


def test_insisting_on_a_missing_kernel_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "compiled_isa", lambda: "none")
    assert kernels.use_compiled("auto") is False
    with pytest.raises(RuntimeError, match="not available"):
        kernels.use_compiled("compiled")


@compiled
@pytest.mark.parametrize("workers", [1, 2])
def test_sampler_on_the_kernel_equals_the_reference_loop(workers: int) -> None:
    model = random_wavernn(SMALL_DIMS, seed=8).eval()
    g = torch.Generator().manual_seed(1)
    mel = 0.5 * torch.randn(8, 400, SMALL_DIMS.feat_dims, generator=g)
    aux = torch.randn(8, 400, SMALL_DIMS.res_out_dims, generator=g)
    sampler = FastSampler(model, workers=workers, kernel="compiled")
    try:
        fast = sampler.sample(mel, aux, 400, torch.Generator().manual_seed(4))
    finally:
        sampler.close()
    assert sampler.kernel in ("avx512", "avx2")
    plain = reference_sample(model, mel, aux, 400, torch.Generator().manual_seed(4))
    assert (fast == plain).float().mean() > 0.99


_AVX2_CHECK = """
import torch
from voiceclone_vocoder.wavernn import kernels
from voiceclone_vocoder.wavernn.kernels import PackedLinear
assert kernels.compiled_isa() == "avx2", kernels.compiled_isa()
g = torch.Generator().manual_seed(0)
for m in (1, 2, 3, 4, 7, 10, 37):
    for k, n in ((512, 3072), (33, 50), (7, 16)):
        w, x = torch.randn(k, n, generator=g), torch.randn(m, k, generator=g)
        bias = torch.randn(m, n + 4, generator=g)[:, 2 : 2 + n]
        wide = torch.full((m, n + 2), 7.0)
        PackedLinear.make(w, "compiled")(x, bias, wide[:, 1 : 1 + n])
        expected = bias.double() + x.double() @ w.double()
        torch.testing.assert_close(wide[:, 1 : 1 + n].double(), expected, rtol=1e-5,
                                   atol=1e-4 * k ** 0.5)
        assert torch.all(wide[:, 0] == 7.0) and torch.all(wide[:, -1] == 7.0)
print("ok")
"""


@compiled
def test_the_avx2_kernel_too() -> None:
    """This machine may pick AVX-512; the AVX2 kernel is checked in a process capped to it."""
    import subprocess
    import sys

    with open("/proc/cpuinfo") as f:
        if " avx2 " not in f.read():
            pytest.skip("this CPU has no AVX2")
    env = {**os.environ, "VOCODER_KERNEL_ISA": "avx2"}
    done = subprocess.run([sys.executable, "-c", _AVX2_CHECK], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
