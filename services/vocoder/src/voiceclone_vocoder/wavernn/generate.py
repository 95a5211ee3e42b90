"""Fast autoregressive sampling for RTVC's WaveRNN: same distribution, fewer operations.

RTVC's loop does, per output sample, ~40 small torch calls: concatenations, `I`, two
GRUCells, fc1..fc3, a softmax and a `Categorical`. Everything that does not depend on
the previous sample or the hidden states is linear in the conditioning features
`[mel_t, aux_t]`, so it is computed for a whole chunk of steps with one large matrix
multiply (`_Weights.cond`). The rest is regrouped so that each hidden state is
multiplied once by everything that reads it:

    h1_t @ [W_hh1 | W_ih2 (u part)]     (next step's rnn1 gates, this step's rnn2 input)
    h2_t @ W_hh2                         (next step's rnn2 gates)
    (h1_t + h2_t) @ W_fc1 (v part)       (fc1)

where u_t = I(x) + h1_t and v_t = u_t + h2_t are RTVC's residual sums, whose I(x)
part is in the per-step constants. The previous
sample enters only through one broadcast multiply-add with the column of `I` that
reads it. The GRU update gate rows are negated so that sigmoid gives 1 - z directly and
the state update is one in-place `lerp`. All per-step results go into preallocated
buffers (`out=`), under `torch.inference_mode`.

Sampling: RTVC draws from Categorical(softmax(logits)); here the same distribution is
sampled by inverting its CDF with uniforms drawn up front from a seeded generator, so
a seed fixes the output. The products are regrouped in float64 once at load time;
results differ from RTVC's evaluation order only by float32 rounding.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch

from voiceclone_vocoder.wavernn.kernels import Kernel, PackedLinear, compiled_isa, use_compiled
from voiceclone_vocoder.wavernn.model import WaveRNN

CHUNK_STEPS = 256  # steps whose conditioning projections are computed in one matmul


def _negate_update_gate(t: torch.Tensor, hidden: int) -> torch.Tensor:
    """Flip the sign of the z-gate rows (order r, z, n) so that sigmoid yields 1 - z."""
    t = t.clone()
    t[hidden : 2 * hidden] *= -1
    return t


@dataclass(frozen=True)
class _Weights:
    """The regrouped weights, float32, laid out for `x @ W` (inputs along rows)."""

    cond: torch.Tensor  # (feat + res_out, G): conditioning features -> per-step constants
    cond_bias: torch.Tensor  # (G,)
    sample_gain: torch.Tensor  # (G,): how the previous sample enters the same terms
    h1_out: torch.Tensor  # (R, 3R + 3R): h1 -> [gh1 | rnn2 input gates]
    h1_bias: torch.Tensor
    hh2: torch.Tensor  # (R, 3R): h2 -> gh2
    hh2_bias: torch.Tensor
    fc1: torch.Tensor  # (R, F): reads h1 + h2 (the residual sum's state part)
    fc2: torch.Tensor  # (F, F)
    fc3: torch.Tensor  # (F, n_classes)
    fc3_bias: torch.Tensor

    @classmethod
    def from_model(cls, model: WaveRNN) -> _Weights:
        d = model.dims
        R, F, A, M = d.rnn_dims, d.fc_dims, d.aux_dims, d.feat_dims
        sd = {k: v.detach().double() for k, v in model.state_dict().items()}
        w_i, b_i = sd["I.weight"], sd["I.bias"]  # input: [x, mel (M), aux1 (A)]
        w_x, w_cond_i = w_i[:, 0], w_i[:, 1:]
        w_ih1 = _negate_update_gate(sd["rnn1.weight_ih_l0"], R)
        b_ih1 = _negate_update_gate(sd["rnn1.bias_ih_l0"], R)
        w_hh1 = _negate_update_gate(sd["rnn1.weight_hh_l0"], R)
        b_hh1 = _negate_update_gate(sd["rnn1.bias_hh_l0"], R)
        w_ih2 = _negate_update_gate(sd["rnn2.weight_ih_l0"], R)
        b_ih2 = _negate_update_gate(sd["rnn2.bias_ih_l0"], R)
        w_hh2 = _negate_update_gate(sd["rnn2.weight_hh_l0"], R)
        b_hh2 = _negate_update_gate(sd["rnn2.bias_hh_l0"], R)
        w_ih2_u, w_ih2_a = w_ih2[:, :R], w_ih2[:, R:]
        w_fc1_v, w_fc1_a = sd["fc1.weight"][:, :R], sd["fc1.weight"][:, R:]
        w_fc2_f, w_fc2_a = sd["fc2.weight"][:, :F], sd["fc2.weight"][:, F:]

        # Conditioning features per step: [mel (M), aux (4A)] -> G = 3R + 3R + F + F
        # constants: rnn1 input gates, rnn2 input gates, fc1 and fc2 pre-activations.
        n_in = M + 4 * A
        g = 6 * R + 2 * F
        cond = torch.zeros(g, n_in, dtype=torch.float64)
        bias = torch.zeros(g, dtype=torch.float64)
        mel_a1 = slice(0, M + A)  # I reads mel and aux1, contiguous in the features
        a2, a3, a4 = (slice(M + k * A, M + (k + 1) * A) for k in (1, 2, 3))
        r1, r2 = slice(0, 3 * R), slice(3 * R, 6 * R)
        f1, f2 = slice(6 * R, 6 * R + F), slice(6 * R + F, g)
        cond[r1, mel_a1] = w_ih1 @ w_cond_i
        bias[r1] = w_ih1 @ b_i + b_ih1
        cond[r2, mel_a1] = w_ih2_u @ w_cond_i
        cond[r2, a2] = w_ih2_a
        bias[r2] = w_ih2_u @ b_i + b_ih2
        cond[f1, mel_a1] = w_fc1_v @ w_cond_i
        cond[f1, a3] = w_fc1_a
        bias[f1] = w_fc1_v @ b_i + sd["fc1.bias"]
        cond[f2, a4] = w_fc2_a
        bias[f2] = sd["fc2.bias"]
        gain = torch.zeros(g, dtype=torch.float64)
        gain[r1], gain[r2], gain[f1] = w_ih1 @ w_x, w_ih2_u @ w_x, w_fc1_v @ w_x

        def f32(t: torch.Tensor) -> torch.Tensor:
            return t.float().contiguous()

        zeros = torch.zeros
        return cls(
            cond=f32(cond.T),
            cond_bias=f32(bias),
            sample_gain=f32(gain),
            h1_out=f32(torch.cat([w_hh1, w_ih2_u]).T),
            h1_bias=f32(torch.cat([b_hh1, zeros(3 * R, dtype=torch.float64)])),
            hh2=f32(w_hh2.T),
            hh2_bias=f32(b_hh2),
            fc1=f32(w_fc1_v.T),
            fc2=f32(w_fc2_f.T),
            fc3=f32(sd["fc3.weight"].T),
            fc3_bias=f32(sd["fc3.bias"]),
        )


class FastSampler:
    """Runs the sampling loop for folded conditioning features.

    `sample(mel_up, aux, n_steps, generator)`: `mel_up` `(folds, steps, feat_dims)` and
    `aux` `(folds, steps, res_out_dims)` float32 -> class indices `(folds, n_steps)` int64.
    With `aux_index` `(folds, steps)` int64, `aux` is instead one row per mel frame
    `(rows, res_out_dims)` and step t of fold i reads row `aux_index[i, t]`: RTVC
    repeats each frame's aux over its 200 samples, so this gives the same features
    with 200x less projection work and memory.

    `workers` > 1 splits the folds into that many groups, each sampled by its own thread
    (torch releases the GIL inside its kernels). The folds are independent sequences, so
    the groups never wait for each other: unlike a second intra-op thread, which joins
    an OpenMP barrier after every one of the ~10 small products of every step, a
    preempted worker only finishes later. Every fold reads all 12.6 MB of recurrent
    weights per step whatever its batch, so with few folds a step is bound by how fast
    one core streams them; two workers stream them on two cores. Each fold's uniforms
    are drawn up front for all folds, so the split does not change what a seed gives.
    """

    def __init__(self, model: WaveRNN, workers: int = 1, kernel: Kernel = "auto") -> None:
        self.dims = model.dims
        self.w = _Weights.from_model(model)
        self.workers = max(1, workers)
        # The per-step products, on the compiled kernel when it runs here (kernels.py).
        compiled = use_compiled(kernel)
        self.h1_out, self.hh2, self.fc1, self.fc2, self.fc3 = (
            PackedLinear(t, compiled) for t in (self.w.h1_out, self.w.hh2, self.w.fc1,
                                                  self.w.fc2, self.w.fc3)
        )
        self.kernel = compiled_isa() if compiled else "torch"
        # The compiled kernel reads each weight once per step for up to 8 rows, so two
        # folds cost little more than one; splitting fewer than 8 folds across workers
        # only makes two cores stream the same 12.6 MB per step (measured: 1 s clip,
        # 2 folds, 0.32 ms/step on one worker, 0.38 on two). torch's products cost
        # nearly the same per row at 1-3 rows, so there any split pays.
        self.min_group_folds = 4 if compiled else 1
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def sample(
        self,
        mel_up: torch.Tensor,
        aux: torch.Tensor,
        n_steps: int,
        generator: torch.Generator,
        aux_index: torch.Tensor | None = None,
    ) -> torch.Tensor:
        folds = mel_up.shape[0]
        uniforms = torch.rand(n_steps, folds, 1, generator=generator)
        with torch.inference_mode():
            if aux_index is not None:
                # aux is constant over each hop: project each frame once, gather per step.
                aux = torch.addmm(self.w.cond_bias, aux, self.w.cond[self.dims.feat_dims :])
        groups = min(self.workers, max(1, folds // self.min_group_folds))
        if groups == 1:
            return self._sample_group(mel_up, aux, aux_index, uniforms)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="wavernn")
        bounds = [folds * k // groups for k in range(groups + 1)]
        futures = [
            self._pool.submit(
                self._sample_group,
                mel_up[lo:hi],
                aux if aux_index is not None else aux[lo:hi],
                aux_index[lo:hi] if aux_index is not None else None,
                uniforms[:, lo:hi].contiguous(),
            )
            for lo, hi in itertools.pairwise(bounds)
        ]
        return torch.cat([f.result() for f in futures])

    # inference_mode is per thread: the decorator enters it in whichever thread runs
    # the loop (a pool worker or the caller).
    @torch.inference_mode()
    def _sample_group(
        self,
        mel_up: torch.Tensor,
        aux: torch.Tensor,
        aux_index: torch.Tensor | None,
        uniforms: torch.Tensor,
    ) -> torch.Tensor:
        """The loop for one group of folds; `aux` is already projected when indexed."""
        d, w = self.dims, self.w
        m = d.feat_dims
        w_mel, w_aux = w.cond[:m], w.cond[m:]
        R, F = d.rnn_dims, d.fc_dims
        n_steps, folds = uniforms.shape[0], mel_up.shape[0]
        levels = torch.linspace(-1.0, 1.0, d.n_classes)  # class index -> sample value
        out = torch.empty(n_steps, folds, 1, dtype=torch.int64)

        # State and scratch buffers, reused every step (views fixed once).
        h1 = torch.zeros(folds, R)
        h2 = torch.zeros(folds, R)
        x = torch.zeros(folds, 1)
        g = torch.empty(folds, w.sample_gain.shape[0])
        gi1, g_rnn2 = g[:, : 3 * R], g[:, 3 * R : 6 * R]
        g_fc1, fc2_pre = g[:, 6 * R : 6 * R + F], g[:, 6 * R + F :]
        hh1 = w.h1_bias.repeat(folds, 1)  # gates of the zero initial state: the biases
        gh1, h1_rnn2 = hh1[:, : 3 * R], hh1[:, 3 * R :]
        gh2 = w.hh2_bias.repeat(folds, 1)
        gi2 = torch.empty(folds, 3 * R)
        h_sum = torch.empty(folds, R)
        fc1_pre = torch.empty(folds, F)
        gates = torch.empty(folds, 3 * R)
        rz, r, zc, n = gates[:, : 2 * R], gates[:, :R], gates[:, R : 2 * R], gates[:, 2 * R :]
        f2 = torch.empty(folds, F)
        logits = torch.empty(folds, d.n_classes)
        cdf = torch.empty(folds, d.n_classes)

        h1_products = self.h1_out.bind(h1, w.h1_bias, hh1)
        h2_products = self.hh2.bind(h2, w.hh2_bias, gh2)
        fc1 = self.fc1.bind(h_sum, g_fc1, fc1_pre)
        fc2 = self.fc2.bind(fc1_pre, fc2_pre, f2)
        fc3 = self.fc3.bind(f2, w.fc3_bias, logits)

        def gru(gi: torch.Tensor, gh: torch.Tensor, h: torch.Tensor) -> None:
            torch.add(gi[:, : 2 * R], gh[:, : 2 * R], out=rz)
            rz.sigmoid_()  # r and (1 - z): the z rows were negated
            torch.addcmul(gi[:, 2 * R :], r, gh[:, 2 * R :], out=n)
            n.tanh_()
            h.lerp_(n, zc)  # h + (1 - z)(n - h) = (1 - z) n + z h

        for start in range(0, n_steps, CHUNK_STEPS):
            stop = min(start + CHUNK_STEPS, n_steps)
            if aux_index is None:
                aux_rows = aux[:, start:stop].transpose(0, 1).reshape(-1, aux.shape[2])
                const = torch.addmm(w.cond_bias, aux_rows, w_aux)
            else:
                rows = aux_index[:, start:stop].T.reshape(-1)
                const = torch.index_select(aux, 0, rows)
            mel_rows = mel_up[:, start:stop].transpose(0, 1).reshape(-1, m)
            const = const.addmm_(mel_rows, w_mel).view(stop - start, folds, -1)
            for t in range(stop - start):
                torch.addcmul(const[t], x, w.sample_gain, out=g)
                gru(gi1, gh1, h1)
                h1_products()  # hh1 = [gh1 | h1 part of rnn2's input gates]
                torch.add(g_rnn2, h1_rnn2, out=gi2)
                gru(gi2, gh2, h2)
                h2_products()  # gh2
                torch.add(h1, h2, out=h_sum)
                fc1()
                fc1_pre.relu_()
                fc2()
                f2.relu_()
                fc3()
                torch.cumsum(torch.softmax(logits, dim=1), dim=1, out=cdf)
                idx = out[start + t]
                torch.searchsorted(cdf, uniforms[start + t] * cdf[:, -1:], right=True, out=idx)
                idx.clamp_(max=d.n_classes - 1)  # u * total can round up to total
                torch.index_select(levels, 0, idx[:, 0], out=x[:, 0])
        return out[:, :, 0].T.contiguous()
