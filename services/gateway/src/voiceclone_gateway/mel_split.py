"""Vocoding mels of any length: cut at their quietest frames to fit the vocoder's limit.

The vocoder refuses a mel longer than its frame limit (`VOCODER_MAX_FRAMES`, 2400
frames = 30 s). The pipeline keeps calls under it by synthesizing long texts in
sentence groups; this is the backstop for a group whose mel is still too long (a slow
voice, a Tacotron whose stop token never fired): the mel is cut where it is quietest
(the pauses between sentences), the parts vocoded one after another and joined. Mels
within the limit (every call, normally) go to the vocoder as the synthesizer's bytes.
"""

from __future__ import annotations

import itertools

import numpy as np
import orjson

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, resample
from voiceclone_gateway.clients import EncodedMel, VocoderClient, Waveform
from voiceclone_gateway.jsonscan import first_row_length

# No part shorter than this (frames, 12.5 ms each): the vocoder needs a few frames, and
# a sliver of speech vocoded alone would click.
MIN_PART_FRAMES = 16
# Loudness is judged over this many frames, so that a cut lands in a pause rather than
# between two phonemes.
_SMOOTH_FRAMES = 5


def mel_frames(mel: EncodedMel) -> int:
    """T of the `{"spec": 80 x T}` body, without parsing the mel."""
    return first_row_length(mel.json, "spec")


def cut_points(mel: np.ndarray, max_frames: int) -> list[int]:
    """Frame indices where an (80, T) mel is cut so that no part exceeds `max_frames`.

    Each cut is the quietest frame (mean over mel bands, smoothed) in the second half
    of the allowed span, so parts stay long and cuts fall in pauses.
    """
    n_frames = mel.shape[1]
    kernel = np.ones(_SMOOTH_FRAMES, np.float32) / _SMOOTH_FRAMES
    loudness = np.convolve(mel.mean(axis=0), kernel, mode="same")
    cuts: list[int] = []
    start = 0
    while n_frames - start > max_frames:
        low = start + max(max_frames // 2, MIN_PART_FRAMES)
        high = min(start + max_frames, n_frames - MIN_PART_FRAMES)
        cut = low + int(np.argmin(loudness[low:high + 1]))
        cuts.append(cut)
        start = cut
    return cuts


def split_mel(mel: EncodedMel, max_frames: int) -> list[EncodedMel]:
    """`mel` as parts of at most `max_frames` frames each, cut in its quietest places."""
    spec = np.asarray(orjson.loads(mel.json)["spec"], dtype=np.float32)
    bounds = [0, *cut_points(spec, max_frames), spec.shape[1]]
    return [
        EncodedMel(orjson.dumps({"spec": np.ascontiguousarray(spec[:, a:b])},
                                option=orjson.OPT_SERIALIZE_NUMPY))
        for a, b in itertools.pairwise(bounds)
    ]


async def vocode_any_length(
    vocoder: VocoderClient, mel: EncodedMel, *, max_frames: int, request_id: str
) -> Waveform:
    """The vocoder's waveform for `mel`, whatever its length.

    Within `max_frames`: one call, its answer untouched. Longer: one call per part, the
    parts joined at 16 kHz.
    """
    if mel_frames(mel) <= max_frames:
        return await vocoder.vocode(mel, request_id=request_id)
    pieces = []
    for part in split_mel(mel, max_frames):
        waveform = await vocoder.vocode(part, request_id=request_id)
        pieces.append(resample(waveform.samples(), waveform.sample_rate_hz,
                               STACK_SAMPLE_RATE_HZ))
    return Waveform.from_samples(np.concatenate(pieces), STACK_SAMPLE_RATE_HZ)
