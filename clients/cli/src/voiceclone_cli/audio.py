"""Voice files in, results out. Decoding happens here so a bad file fails before any upload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from voiceclone_cli.errors import BadFile

# Shorter than this cannot hold enough speech for a speaker embedding (the encoder needs
# at least one 1.6 s window after silence trimming); say so before uploading.
MIN_SECONDS = 0.5


def read_voice(path: Path) -> tuple[np.ndarray, int]:
    """Decode an audio file to mono float32 in [-1, 1]; return (samples, sample_rate_hz)."""
    if not path.exists():
        raise BadFile(f"{path}: no such file")
    if path.is_dir():
        raise BadFile(f"{path}: is a folder, not an audio file")
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise BadFile(
            f"{path}: not a readable audio file ({exc}); use WAV, FLAC, OGG or MP3"
        ) from exc
    wav = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if wav.size < MIN_SECONDS * sr:
        raise BadFile(
            f"{path}: only {wav.size / sr:.2f} s of audio; record at least a few seconds of speech"
        )
    if not np.isfinite(wav).all():
        raise BadFile(f"{path}: contains samples that are not finite numbers")
    return np.ascontiguousarray(wav, dtype=np.float32), int(sr)


def wav_payload(path: Path) -> dict[str, object]:
    """The `{"wav", "sr"}` JSON body of the legacy encoder contract for one file."""
    wav, sr = read_voice(path)
    return {"wav": wav.tolist(), "sr": sr}


def write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BadFile(f"cannot write {path}: {exc.strerror}") from exc


def duration_s(wav_bytes: bytes) -> float | None:
    """Length of an encoded audio file in seconds, or None when it cannot be parsed."""
    import io

    try:
        info = sf.info(io.BytesIO(wav_bytes))
    except (sf.LibsndfileError, RuntimeError):
        return None
    return info.frames / info.samplerate if info.samplerate else None
