"""The common legacy body, {"wav": [numbers], "sr": int, ...}, parsed without Python floats.

orjson builds one Python float per sample (160k for 10 s at 16 kHz): making, converting
and freeing them cost as much as the parse itself (~25 ms per 10 s body in total).
simdjson validates the whole document and copies the list's numbers straight into a
double buffer (~8 ms). numpy's own text parsers (`fromstring(sep=",")`, `loadtxt`) were
measured too and are slower than orjson (~58 ms for the list alone), so they are not used.

This is only a fast path: whenever the body is not plainly such an object it returns
None and the caller takes the orjson path, which owns every error message. The byte
checks below make "plainly" exact: no backslash (so every key is spelled literally and
no string hides an escaped quote), one `"wav"`, one `[` and one `{` (so `wav` is the only
list, it is flat, and no other value is an object). simdjson's `as_buffer` refuses
strings, booleans and null; it parses numbers exactly (correctly rounded), as orjson does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # an optional accelerator: without it every body takes the orjson path
    import simdjson
except ImportError:  # pragma: no cover - pysimdjson is a declared dependency
    simdjson = None


def _exactly_once(raw: bytes | bytearray, token: bytes) -> bool:
    # Two `find`s (memchr) instead of `count`, which is several times slower here.
    first = raw.find(token)
    return first >= 0 and raw.find(token, first + 1) < 0


def parse_flat_wav(raw: bytes | bytearray) -> tuple[np.ndarray, dict[str, Any]] | None:
    """(float64 samples under top-level "wav", the object's other scalar fields) or None.

    None: not provably a JSON object whose "wav" is a non-empty flat list of numbers
    and whose other values are scalars; parse it the careful way.
    """
    if simdjson is None or raw.find(b"\\") >= 0:
        return None
    if not all(_exactly_once(raw, token) for token in (b"[", b"{", b'"wav"')):
        return None
    # A parser per call: parsers are not thread-safe and keep their buffers (the size
    # of the largest body seen) alive; allocating one costs well under a millisecond.
    parser = simdjson.Parser()
    try:
        doc = parser.parse(raw)  # bytes or bytearray, no copy of our own
        if not isinstance(doc, simdjson.Object):
            return None
        wav = doc.get("wav")
        if not isinstance(wav, simdjson.Array) or len(wav) == 0:
            return None
        samples = np.frombuffer(wav.as_buffer(of_type="d"), dtype=np.float64)
        if samples.size != len(wav):
            return None
        others = {key: value for key, value in doc.items() if key != "wav"}
    except (ValueError, TypeError, RuntimeError, KeyError):
        return None  # invalid JSON, non-numbers, 64-bit overflow: the careful path says
    finally:
        del parser
    if any(isinstance(v, (simdjson.Object, simdjson.Array)) for v in others.values()):
        return None
    return samples, others
