"""RTVC's Tacotron with a speaker embedding: symbol ids + embeddings -> mel spectrograms.

The module tree and buffers mirror RTVC's `synthesizer/models/tacotron.py`, so its
checkpoints load strictly. Dimensions are read from a state dict (`TacotronDims`), so a
small model in the same format works too (the tests use one).

Shapes: chars (B, L) int64 zero-padded ids; embeds (B, S) float32; mels (B, n_mels, T)
in RTVC's symmetric normalisation, T a multiple of r (80 mel frames = 1 s at 16 kHz).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from voiceclone_synthesizer.tacotron.layers import CBHG, LSA, PreNet

# RTVC's generate(): the stop test only counts after this many frames.
MIN_FRAMES_BEFORE_STOP = 10
STOP_PROBABILITY = 0.5


@dataclass(frozen=True)
class TacotronDims:
    """Sizes of the network; `rtvc()` is the published model's."""

    num_chars: int = 66
    embed_dims: int = 512
    encoder_dims: int = 256
    decoder_dims: int = 128
    n_mels: int = 80
    fft_bins: int = 80
    postnet_dims: int = 512
    encoder_K: int = 5
    lstm_dims: int = 1024
    postnet_K: int = 5
    num_highways: int = 4
    speaker_embedding_size: int = 256
    max_r: int = 20
    dropout: float = 0.5
    stop_threshold: float = -3.4

    @classmethod
    def rtvc(cls) -> TacotronDims:
        return cls()

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> TacotronDims:
        """Read every size from the weight shapes (KeyError when a key is missing)."""

        def count(prefix: str) -> int:
            pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.")
            return len({m.group(1) for k in state if (m := pattern.match(k))})

        num_chars, embed_dims = state["encoder.embedding.weight"].shape
        encoder_dims = state["encoder.pre_net.fc1.weight"].shape[0]
        decoder_dims, proj_in = state["encoder_proj.weight"].shape
        n_mels = state["decoder.prenet.fc1.weight"].shape[1]
        lstm_dims = state["decoder.rnn_input.weight"].shape[0]
        return cls(
            num_chars=num_chars,
            embed_dims=embed_dims,
            encoder_dims=encoder_dims,
            decoder_dims=decoder_dims,
            n_mels=n_mels,
            fft_bins=state["post_proj.weight"].shape[0],
            postnet_dims=state["postnet.pre_highway.weight"].shape[0],
            encoder_K=count("encoder.cbhg.conv1d_bank"),
            lstm_dims=lstm_dims,
            postnet_K=count("postnet.conv1d_bank"),
            num_highways=count("encoder.cbhg.highways"),
            speaker_embedding_size=proj_in - encoder_dims,
            max_r=state["decoder.mel_proj.weight"].shape[0] // n_mels,
            stop_threshold=round(float(state["stop_threshold"]), 6),  # float32 -> -3.4
        )


class Encoder(nn.Module):
    def __init__(self, d: TacotronDims) -> None:
        super().__init__()
        self.embedding = nn.Embedding(d.num_chars, d.embed_dims)
        self.pre_net = PreNet(d.embed_dims, d.encoder_dims, d.encoder_dims, d.dropout)
        self.cbhg = CBHG(
            d.encoder_K, d.encoder_dims, d.encoder_dims, (d.encoder_dims, d.encoder_dims),
            d.num_highways,
        )

    def forward(self, chars: torch.Tensor, embeds: torch.Tensor) -> torch.Tensor:
        """(B, L) ids, (B, S) -> (B, L, encoder_dims + S): the embedding tiled on every char."""
        x = self.pre_net(self.embedding(chars)).transpose(1, 2)
        x = self.cbhg(x)
        tiled = embeds.unsqueeze(1).expand(-1, x.size(1), -1)
        return torch.cat((x, tiled), dim=2)


class Decoder(nn.Module):
    def __init__(self, d: TacotronDims) -> None:
        super().__init__()
        self.register_buffer("r", torch.tensor(1, dtype=torch.int))
        self.n_mels = d.n_mels
        self.max_r = d.max_r
        context_dims = d.encoder_dims + d.speaker_embedding_size
        prenet_dims = d.decoder_dims * 2
        self.prenet = PreNet(d.n_mels, prenet_dims, prenet_dims, d.dropout)
        self.attn_net = LSA(d.decoder_dims)
        self.attn_rnn = nn.GRUCell(context_dims + prenet_dims, d.decoder_dims)
        self.rnn_input = nn.Linear(context_dims + d.decoder_dims, d.lstm_dims)
        self.res_rnn1 = nn.LSTMCell(d.lstm_dims, d.lstm_dims)
        self.res_rnn2 = nn.LSTMCell(d.lstm_dims, d.lstm_dims)
        self.mel_proj = nn.Linear(d.lstm_dims, d.n_mels * d.max_r, bias=False)
        self.stop_proj = nn.Linear(context_dims + d.lstm_dims, 1)


class Tacotron(nn.Module):
    def __init__(self, dims: TacotronDims | None = None) -> None:
        super().__init__()
        d = dims or TacotronDims.rtvc()
        self.dims = d
        self.encoder = Encoder(d)
        self.encoder_proj = nn.Linear(
            d.encoder_dims + d.speaker_embedding_size, d.decoder_dims, bias=False
        )
        self.decoder = Decoder(d)
        self.postnet = CBHG(
            d.postnet_K, d.n_mels, d.postnet_dims, (d.postnet_dims, d.fft_bins), d.num_highways
        )
        self.post_proj = nn.Linear(d.postnet_dims, d.fft_bins, bias=False)
        self.register_buffer("step", torch.zeros(1, dtype=torch.long))
        self.register_buffer("stop_threshold", torch.tensor(d.stop_threshold))

    @property
    def r(self) -> int:
        """Mel frames per decoder step (the checkpoint's `decoder.r`; 2 when published)."""
        return int(self.decoder.r.item())

    def set_prenet_dropout(self, enabled: bool) -> None:
        self.encoder.pre_net.dropout_at_inference = enabled
        self.decoder.prenet.dropout_at_inference = enabled

    @torch.inference_mode()
    def generate(
        self, chars: torch.Tensor, embeds: torch.Tensor, max_frames: int = 2000
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Autoregressive inference, RTVC's `generate` step for step.

        chars (B, L) int64, embeds (B, S) float32 -> (mels (B, fft_bins, T) after the
        post-net, stop probabilities (B, T // r)). Stops when every item's stop
        probability exceeds 0.5 (after the first 10 frames) or after `max_frames`.
        """
        dec = self.decoder
        r = self.r
        batch = chars.size(0)
        lstm_dims, n_mels = self.dims.lstm_dims, self.dims.n_mels
        encoder_seq = self.encoder(chars, embeds)
        encoder_seq_proj = self.encoder_proj(encoder_seq)
        char_mask = (chars != 0).float()
        dec.attn_net.reset(encoder_seq_proj)
        # Only the first r of max_r frames are used: project onto those rows alone.
        mel_weight = dec.mel_proj.weight.view(n_mels, self.dims.max_r, lstm_dims)[:, :r]
        mel_weight = mel_weight.reshape(n_mels * r, lstm_dims)

        attn_hidden = encoder_seq.new_zeros(batch, self.dims.decoder_dims)
        h1 = c1 = h2 = c2 = encoder_seq.new_zeros(batch, lstm_dims)
        context = encoder_seq.new_zeros(batch, encoder_seq.size(2))
        frame = encoder_seq.new_zeros(batch, n_mels)  # the <GO> frame
        outputs: list[torch.Tensor] = []
        stops: list[torch.Tensor] = []
        for t in range(0, max_frames, r):
            prenet_out = dec.prenet(frame)
            attn_hidden = dec.attn_rnn(torch.cat([context, prenet_out], dim=-1), attn_hidden)
            scores = dec.attn_net(encoder_seq_proj, attn_hidden, char_mask)
            context = (scores @ encoder_seq).squeeze(1)
            x = dec.rnn_input(torch.cat([context, attn_hidden], dim=1))
            h1, c1 = dec.res_rnn1(x, (h1, c1))
            x = x + h1
            h2, c2 = dec.res_rnn2(x, (h2, c2))
            x = x + h2
            mels = (x @ mel_weight.T).view(batch, n_mels, r)
            stop = torch.sigmoid(dec.stop_proj(torch.cat((x, context), dim=1)))
            outputs.append(mels)
            stops.append(stop)
            frame = mels[:, :, -1]
            if t > MIN_FRAMES_BEFORE_STOP and bool((stop > STOP_PROBABILITY).all()):
                break
        decoder_mels = torch.cat(outputs, dim=2)
        postnet_out = self.postnet(decoder_mels)
        mels = self.post_proj(postnet_out).transpose(1, 2)
        return mels, torch.cat(stops, dim=1)
