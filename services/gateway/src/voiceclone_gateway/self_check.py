"""The self-check of every clone: how close the result sounds to the reference voice.

The result goes to the encoder's `/similarity` with the reference embedding; the
encoder's cosine, and its same-speaker decision at its own documented threshold
(ENCODER_SAME_SPEAKER_THRESHOLD), are reported to the caller and written to the request
log: a quality signal per request (a failed synthesis, a wrong voice or noise scores low).
"""

from __future__ import annotations

import time

import numpy as np
import orjson
from voiceclone_contracts.encoder import SimilarityResponse

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ
from voiceclone_gateway.clients import EncoderClient

SIMILARITY_HEADER = "X-Voice-Similarity"
# Below this much audio the encoder cannot embed (it needs speech after trimming): the
# check is skipped rather than failing a clone that did produce audio.
MIN_CHECK_SECONDS = 1.0
SIMILARITY_PATH = "/similarity"


async def check_against_reference(
    encoder: EncoderClient, samples: np.ndarray, reference_embed: list[float], *,
    request_id: str, timings_s: dict[str, float] | None = None,
    sample_rate_hz: int = STACK_SAMPLE_RATE_HZ,
) -> SimilarityResponse | None:
    """The encoder's verdict on `samples` (the clone, mono float32) vs the reference.

    None when the result is too short to embed or the encoder refuses it: the clone
    itself succeeded, so its check failing must not turn it into an error.
    """
    if samples.size < MIN_CHECK_SECONDS * sample_rate_hz:
        return None
    start = time.perf_counter()
    try:
        body = orjson.dumps(
            {"a": {"wav": np.ascontiguousarray(samples, dtype=np.float32),
                   "sr": sample_rate_hz},
             "embed_b": list(reference_embed)},
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        content = await encoder.post_json(SIMILARITY_PATH, body, request_id=request_id)
        return SimilarityResponse.model_validate_json(content)
    except Exception:  # advisory: the clone is delivered regardless
        return None
    finally:
        if timings_s is not None:
            timings_s["self_check"] = time.perf_counter() - start


async def similarity_to_reference(
    encoder: EncoderClient, samples: np.ndarray, reference_embed: list[float], *,
    request_id: str, timings_s: dict[str, float] | None = None,
    sample_rate_hz: int = STACK_SAMPLE_RATE_HZ,
) -> float | None:
    """The encoder's cosine of `samples` and the reference, rounded; None if unchecked."""
    check = await check_against_reference(encoder, samples, reference_embed,
                                           request_id=request_id, timings_s=timings_s,
                                           sample_rate_hz=sample_rate_hz)
    return None if check is None else round(check.cosine, 4)


def with_similarity(json_body: bytes, similarity: float | None) -> bytes:
    """A JSON object's bytes with `"similarity"` added, without re-encoding the samples."""
    body = json_body.rstrip()
    if similarity is None or not body.endswith(b"}"):
        return json_body
    return body[:-1] + b',"similarity":' + f"{similarity:.4f}".encode() + b"}"
