"""The self-check of every clone: how close the result sounds to the reference voice.

The result is embedded by the same encoder as the reference, and the cosine of the
two embeddings is reported to the caller and written to the request log: a quality
signal per request (a failed synthesis, a wrong voice or noise scores low).
"""

from __future__ import annotations

import time

import numpy as np
import orjson

from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ
from voiceclone_gateway.clients import EncoderClient

# The encoder's documented same-speaker threshold for GE2E cosines (Resemblyzer's
# speaker-verification examples sit around 0.75-0.8 for same-speaker pairs).
SAME_SPEAKER_THRESHOLD = 0.75
SIMILARITY_HEADER = "X-Voice-Similarity"
# Below this much audio the encoder cannot embed (it needs speech after trimming): the
# check is skipped rather than failing a clone that did produce audio.
MIN_CHECK_SECONDS = 1.0


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(np.dot(x, y) / norm) if norm > 0 else 0.0


async def similarity_to_reference(
    encoder: EncoderClient, samples: np.ndarray, reference_embed: list[float], *,
    request_id: str, timings_s: dict[str, float] | None = None,
    sample_rate_hz: int = STACK_SAMPLE_RATE_HZ,
) -> float | None:
    """Encoder cosine between `samples` (the clone, mono float32) and the reference.

    None when the result is too short to embed or the encoder refuses it: the clone
    itself succeeded, so its check failing must not turn it into an error.
    """
    if samples.size < MIN_CHECK_SECONDS * sample_rate_hz:
        return None
    start = time.perf_counter()
    try:
        body = orjson.dumps({"wav": np.ascontiguousarray(samples, dtype=np.float32),
                             "sr": sample_rate_hz}, option=orjson.OPT_SERIALIZE_NUMPY)
        embed = await encoder.embed(body, request_id=request_id)
    except Exception:  # the check is advisory; the clone is delivered regardless
        return None
    finally:
        if timings_s is not None:
            timings_s["self_check"] = time.perf_counter() - start
    return round(cosine(embed.embed, reference_embed), 4)


def with_similarity(json_body: bytes, similarity: float | None) -> bytes:
    """A JSON object's bytes with `"similarity"` added, without re-encoding the samples."""
    body = json_body.rstrip()
    if similarity is None or not body.endswith(b"}"):
        return json_body
    return body[:-1] + b',"similarity":' + f"{similarity:.4f}".encode() + b"}"
