"""Fast JSON in: request bodies with large float arrays, parsed straight into numpy.

FastAPI's default path for a `wav: list[float]` body (json.loads, then pydantic building
and validating one Python float per sample) costs ~37 ms for 10 s of 16 kHz audio.
orjson parses the same bytes several times faster, and numpy converts the list in C;
the checks below replace pydantic's per-element validation with array operations.

Every failure is a `BadInput` whose message names the field and what is allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from voiceclone_common.errors import BadInput


def loads(body: bytes) -> Any:
    """Parse a JSON body; invalid JSON (including NaN/Infinity literals) is a BadInput."""
    if not body.strip():
        raise BadInput("the request body is empty: send a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if any(token in body for token in (b"NaN", b"Infinity")):
            raise BadInput(
                "the body contains NaN or Infinity, which JSON does not allow: every "
                "sample must be a finite number"
            ) from exc
        raise BadInput(f"the body is not valid JSON: {exc}") from exc


def may_contain_booleans(body: bytes) -> bool:
    """Cheap pre-check: only bodies with a true/false literal need the slow bool scan."""
    return b"true" in body or b"false" in body


_NON_NUMBER_MARKERS = (b'"', b"t", b"f", b"n", b"[", b"{")


def flat_numbers_only(raw: bytes | bytearray, key: str, count: int) -> bool:
    """Is the top-level list under `key` in `raw` nothing but `count` JSON numbers?

    A few memchr scans (no copy) that let `float_array` skip numpy's per-element type
    inference. False just means "use the careful path".
    """
    start = raw.find(b'"' + key.encode() + b'"')
    if start < 0:
        return False
    open_at = raw.find(b"[", start)
    close_at = raw.find(b"]", open_at)
    if open_at < 0 or close_at < 0 or raw[start + len(key) + 2 : open_at].strip() != b":":
        return False
    # Valid JSON (orjson already accepted it) between "[" and the first "]" is numbers
    # unless it holds a string, true, false, null or a nested list/object.
    for marker in _NON_NUMBER_MARKERS:
        if raw.find(marker, open_at + 1, close_at) >= 0:
            return False
    return raw.count(b",", open_at + 1, close_at) + 1 == count


def float_array(
    values: Any,
    field: str,
    *,
    ndim: int = 1,
    dtype: type[np.floating] = np.float32,
    check_booleans: bool = True,
    numbers_only: bool = False,
) -> np.ndarray:
    """A JSON list (of lists, for ndim > 1) of numbers -> a finite `dtype` array.

    Rejects: a non-list, an empty list, strings/null/objects/booleans among the numbers,
    wrong nesting (e.g. a stereo [[l, r], ...] list where mono is expected), ragged
    rows, and non-finite values. `numbers_only=True` (from `flat_numbers_only`) takes
    the fast conversion for a flat list known to hold only numbers.
    """
    shape_words = {1: "a flat list of numbers", 2: "a list of equal-length lists of numbers"}
    expected = shape_words.get(ndim, f"a {ndim}-dimensional nested list of numbers")
    if not isinstance(values, list):
        raise BadInput(f"{field} must be {expected}, got {type(values).__name__}")
    if not values:
        raise BadInput(f"{field} is empty")
    if numbers_only and ndim == 1:
        return _finite(np.array(values, dtype=np.float64).astype(dtype, copy=False), field, dtype)
    try:
        array = np.asarray(values)
    except ValueError as exc:  # ragged nesting
        raise BadInput(f"{field} must be {expected}: the lists have different lengths") from exc
    if array.dtype == object:
        if any(isinstance(v, list) for v in array.ravel()):
            raise BadInput(f"{field} must be {expected}; got lists nested too deep or mixed")
        raise BadInput(f"{field} must contain only numbers; found null, objects or huge integers")
    if array.ndim != ndim:
        what = "nested lists (stereo or multi-channel?)" if array.ndim > ndim else "too few levels"
        raise BadInput(
            f"{field} must be {expected}; got {what} with {array.ndim} dimension(s)"
        )
    if array.dtype.kind not in "fiu":
        raise BadInput(f"{field} must contain only numbers; found {_describe_kind(array)}")
    if check_booleans and ndim == 1 and any(v.__class__ is bool for v in values):
        raise BadInput(f"{field} must contain only numbers; found true/false")
    with np.errstate(over="ignore"):  # a value past float32's range: reported as non-finite
        return _finite(array.astype(dtype, copy=False), field, dtype)


def finite(
    values: np.ndarray, field: str, dtype: type[np.floating] = np.float32
) -> np.ndarray:
    """An already-parsed float64 array -> `dtype`, with `float_array`'s finiteness check."""
    with np.errstate(over="ignore"):  # overflow is reported by the check below
        return _finite(values.astype(dtype, copy=False), field, dtype)


def _finite(array: np.ndarray, field: str, dtype: type[np.floating]) -> np.ndarray:
    if not np.isfinite(array).all():
        index = int(np.flatnonzero(~np.isfinite(array.ravel()))[0])
        raise BadInput(
            f"{field} has a value that is not a finite number (or overflows {np.dtype(dtype)}) "
            f"at flat index {index}"
        )
    return array


def _describe_kind(array: np.ndarray) -> str:
    kinds = {"U": "strings", "S": "strings", "b": "true/false", "O": "null or objects"}
    return kinds.get(array.dtype.kind, f"values of type {array.dtype}")
