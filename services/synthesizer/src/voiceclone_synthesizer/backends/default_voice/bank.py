"""The voice bank: parameter sets of `PicoVoice` with the speaker embedding of each.

The file `voice_bank.npz` ships in this package (regenerate it with
`services/synthesizer/scripts/build_voice_bank.py`). Arrays, N entries:

    embeddings     (N, 256) float16  mean encoder embedding of the entry's renderings,
                                     L2-normalised
    voice          (N,) str          Pico base voice, `en-US` | `en-GB`
    f0_scale       (N,) float32      F0 relative to the base voice
    formant_scale  (N,) float32      spectral envelope frequency scale
    tilt           (N,) float32      first-order spectral tilt
    speed          (N,) float32      speaking rate relative to Pico's
    f0_hz          (N,) float32      measured median F0 of the renderings, Hz
    sentences      (S,) str          the sentences each entry was rendered on
    encoder        () str            which encoder weights made the embeddings
    version        () int32          format version (1)
  optional (banks built before them load, with no intelligibility term):
    wer            (N,) float32      pocketsphinx word error rate of the entry's speech
                                     heard through the Griffin-Lim vocoder (0 = perfect)
    wer_sentences  (S',) str         the sentences that rate was measured on

Selection maximises cosine similarity - WER_WEIGHT x word error rate (see `select`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceclone_synthesizer.backends.default_voice.voice import VoiceParams

BANK_PATH = Path(__file__).with_name("voice_bank.npz")
BANK_VERSION = 1
EMBEDDING_SIZE = 256
PARAM_FIELDS = ("voice", "f0_scale", "formant_scale", "tilt", "speed")
FIELDS = (*PARAM_FIELDS, "embeddings", "f0_hz", "sentences", "encoder", "version")
OPTIONAL_FIELDS = ("wer", "wer_sentences")
# How much similarity one unit of word error rate is worth when choosing a voice.
# Chosen on the benchmark's reference speakers (README, "Default backend").
WER_WEIGHT = 0.3


class BankError(RuntimeError):
    """The voice bank file is missing or malformed."""


@dataclass(frozen=True)
class Selection:
    """The chosen voice for one request: `params`, the bank row, its cosine similarity."""

    params: VoiceParams
    index: int
    similarity: float


def _param(value: np.floating) -> float:
    """Grid values are stored as float32: round back to the 4 decimals they were given in."""
    return round(float(value), 4)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class VoiceBank:
    embeddings: np.ndarray  # (N, 256) float32, unit rows
    params: tuple[VoiceParams, ...]
    f0_hz: np.ndarray  # (N,) float32
    sentences: tuple[str, ...]
    encoder: str
    # (N,) float32 word error rate through Griffin-Lim; NaN where the bank has none
    wer: np.ndarray | None = None
    wer_sentences: tuple[str, ...] = ()
    wer_weight: float = WER_WEIGHT

    def __len__(self) -> int:
        return len(self.params)

    @classmethod
    def load(cls, path: str | Path = BANK_PATH, *, wer_weight: float = WER_WEIGHT) -> VoiceBank:
        """Read and check a bank file; `wer_weight` as in `select`."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as exc:
            raise BankError(f"cannot read the voice bank {path}: {exc}") from exc
        missing = [name for name in FIELDS if name not in arrays]
        if missing:
            raise BankError(f"voice bank {path} lacks fields {missing}")
        if int(arrays["version"]) != BANK_VERSION:
            raise BankError(f"voice bank {path} has version {arrays['version']}, need 1")
        embeddings = arrays["embeddings"].astype(np.float32)
        n = embeddings.shape[0]
        if embeddings.shape != (n, EMBEDDING_SIZE) or n == 0:
            raise BankError(f"voice bank {path}: embeddings have shape {embeddings.shape}")
        wer = arrays.get("wer")
        if wer is None:
            wer = np.full(n, np.nan, np.float32)
        if any(arrays[name].shape != (n,) for name in (*PARAM_FIELDS, "f0_hz")) or (
            wer.shape != (n,)
        ):
            raise BankError(f"voice bank {path}: parameter arrays do not all have {n} rows")
        params = tuple(
            VoiceParams(
                voice=str(arrays["voice"][i]),
                f0_scale=_param(arrays["f0_scale"][i]),
                formant_scale=_param(arrays["formant_scale"][i]),
                tilt=_param(arrays["tilt"][i]),
                speed=_param(arrays["speed"][i]),
            )
            for i in range(n)
        )
        for p in params:
            try:
                p.check()
            except ValueError as exc:
                raise BankError(f"voice bank {path}: {exc}") from exc
        return cls(
            embeddings=l2_normalise(embeddings),
            params=params,
            f0_hz=arrays["f0_hz"].astype(np.float32),
            sentences=tuple(str(s) for s in arrays["sentences"]),
            encoder=str(arrays["encoder"]),
            wer=wer.astype(np.float32),
            wer_sentences=tuple(str(s) for s in arrays.get("wer_sentences", ())),
            wer_weight=wer_weight,
        )

    def similarities(self, embeds: np.ndarray) -> np.ndarray:
        """(B, 256) -> (B, N) cosine similarities (inputs are normalised here)."""
        return l2_normalise(np.asarray(embeds, dtype=np.float32)) @ self.embeddings.T

    def scores(self, embeds: np.ndarray) -> np.ndarray:
        """(B, 256) -> (B, N): cosine - wer_weight x word error rate (unknown rate: 0)."""
        sims = self.similarities(embeds)
        if self.wer is None or self.wer_weight == 0:
            return sims
        return sims - self.wer_weight * np.nan_to_num(self.wer, nan=0.0)

    def select(self, embeds: np.ndarray) -> list[Selection]:
        """The best bank entry for each of B embeddings (B, 256): the highest cosine
        similarity less `wer_weight` x the entry's word error rate through Griffin-Lim,
        so of two voices about as close to the speaker the more intelligible wins.

        An all-zero embedding has no direction; it gets the first entry nearest to the
        bank's mean (a neutral voice) rather than an arbitrary one.
        """
        embeds = np.atleast_2d(embeds)
        sims = self.similarities(embeds)
        scores = self.scores(embeds)
        mean = l2_normalise(self.embeddings.mean(0))
        neutral = int(np.argmax(self.scores(mean[None, :])[0]))
        out = []
        for sim, score in zip(sims, scores, strict=True):
            index = int(np.argmax(score)) if np.any(sim) else neutral
            out.append(Selection(self.params[index], index, float(sim[index])))
        return out


def save_bank(
    path: str | Path,
    *,
    params: list[VoiceParams],
    embeddings: np.ndarray,
    f0_hz: np.ndarray,
    sentences: list[str],
    encoder: str,
    wer: np.ndarray | None = None,
    wer_sentences: list[str] | None = None,
) -> None:
    """Write the bank in the format `VoiceBank.load` reads (float16 embeddings: ~0.5 KB
    per entry; cosine error < 1e-3). `wer` (N,) and its sentences are optional."""
    extra = {}
    if wer is not None:
        extra = {"wer": np.asarray(wer, np.float32),
                 "wer_sentences": np.array(list(wer_sentences or []), dtype=str)}
    np.savez_compressed(
        path,
        embeddings=l2_normalise(np.asarray(embeddings, np.float32)).astype(np.float16),
        voice=np.array([p.voice for p in params]),
        f0_scale=np.array([p.f0_scale for p in params], np.float32),
        formant_scale=np.array([p.formant_scale for p in params], np.float32),
        tilt=np.array([p.tilt for p in params], np.float32),
        speed=np.array([p.speed for p in params], np.float32),
        f0_hz=np.asarray(f0_hz, np.float32),
        sentences=np.array(sentences),
        encoder=np.array(encoder),
        version=np.array(BANK_VERSION, np.int32),
        **extra,
    )
