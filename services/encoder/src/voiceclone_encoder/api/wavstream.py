"""The legacy body, {"wav": [numbers], "sr": int, ...}, parsed while it arrives.

Reading a 30 s clip (10 MB of JSON text) whole and then parsing it held the text, a
padded copy of it, simdjson's tape (16 bytes per number) and a float64 copy of the
samples at once: ~34 MB per request. Here the list is parsed in slices as the body
arrives, straight into float32: what a request holds while it is read is its body text
(kept only for the careful path) and its samples.

    {"sr": 16000, "wav": [0.01, -0.2, ... , 0.03], "return_partials": true}
    |---- head ----------|---- list, in slices -|---- tail --------------|

Like `wavjson`, this is only a fast path, and it accepts exactly what `wavjson` accepts
(tests check both against each other): whenever the body is not plainly such an object
`finish` returns None and the caller parses the whole text the careful way, which owns
every error message. "Plainly" means: no backslash anywhere, one `{`, one `[` and one
`"wav"` in the whole body (so `wav` is the only list, it is flat, and no other value is
an object), the list holds only JSON numbers, and the head and tail with the list
replaced by `[]` form a valid JSON object (checked by orjson, as the careful path would).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import orjson

try:  # an optional accelerator: without it every body takes the careful path
    import simdjson
except ImportError:  # pragma: no cover - pysimdjson is a declared dependency
    simdjson = None

# Parse the list in slices of at least this many bytes: simdjson's per-call cost is
# ~10 us, and a slice of this size is parsed in ~0.1 ms (short enough for the event loop).
SLICE_BYTES = 128 * 1024
# The head ({"sr": 16000, "wav": ) is short; a longer one is parsed the careful way, as
# is a list with no comma in this many bytes (no JSON number is that long).
MAX_HEAD_BYTES = 4096
MAX_NUMBER_BYTES = 4 * SLICE_BYTES
_WAV_KEY = re.compile(rb'"wav"\s*:\s*\Z')


class WavBodyStream:
    """Feed the body's chunks in order, then `finish()`; `take_body()` gives the text."""

    def __init__(self, content_length: int | None = None) -> None:
        # The text as received, for the careful path only: the chunks as the server
        # made them (no copy; dropped once parsed).
        self._chunks: list[bytes] = []
        self._content_length = content_length
        self._state = "head" if simdjson is not None else "careful"
        self._head = b""
        # "[" + the list text not parsed yet: a slice is parsed in place by writing "]"
        # over the comma that ends it (no copy of the text besides simdjson's own).
        self._list = bytearray(b"[")
        self._tail = b""
        self._samples: np.ndarray | None = None
        self._count = 0
        self._parser = simdjson.Parser() if simdjson is not None else None

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self._chunks.append(chunk)
        if self._state == "head":
            self._feed_head(chunk)
        elif self._state == "list":
            self._feed_list(chunk)
        elif self._state == "tail":
            self._feed_tail(chunk)

    def take_body(self) -> bytes:
        """The whole body as received (the careful path's input); the stream lets go of it."""
        body = b"".join(self._chunks)
        self._chunks = []
        return body

    def finish(self) -> tuple[np.ndarray, dict[str, Any]] | None:
        """(float32 samples, the object's other scalar fields), or None: parse `take_body()`.

        The samples are float32 exactly as the careful path makes them (float64 parse,
        then one rounding), non-finite values included: the caller checks them.
        """
        if self._state != "tail":
            return None
        others = self._others()
        if others is None or self._samples is None:
            return None
        samples = self._samples[: self._count]
        if self._count < 0.9 * len(self._samples):  # the size estimate was far off
            samples = samples.copy()
        self._chunks = []  # the text is no longer needed
        self._samples = None
        return samples, others

    # -- states ------------------------------------------------------------------------
    def _careful(self) -> None:
        self._state = "careful"
        self._head = self._tail = b""
        self._list = bytearray()
        self._samples = None

    def _feed_head(self, chunk: bytes) -> None:
        self._head += chunk
        start = self._head.find(b"[")
        if start < 0:
            if len(self._head) > MAX_HEAD_BYTES:
                self._careful()
            return
        head, rest = self._head[:start], self._head[start + 1 :]
        if (b"\\" in head or head.count(b"{") != 1 or head.count(b'"wav"') != 1
                or _WAV_KEY.search(head) is None):
            self._careful()
            return
        self._head = head
        self._state = "list"
        self._feed_list(rest)

    def _feed_list(self, chunk: bytes) -> None:
        end = chunk.find(b"]")
        if end < 0:
            self._list += chunk
            if len(self._list) >= SLICE_BYTES:
                cut = self._list.rfind(b",")
                if cut > 0:
                    self._parse_slice(cut)
                elif len(self._list) > MAX_NUMBER_BYTES:
                    self._careful()
            return
        self._list += memoryview(chunk)[:end]
        if self._parse_slice(len(self._list)):
            self._state = "tail"
            self._feed_tail(chunk[end + 1 :])

    def _feed_tail(self, chunk: bytes) -> None:
        self._tail += chunk
        # The tail is short ({"sr": .., "return_partials": ..}); a `[`, `{` or backslash
        # in it means "not plain", whatever follows.
        if any(token in chunk for token in (b"[", b"{", b"\\")):
            self._careful()

    # -- the list ----------------------------------------------------------------------
    def _parse_slice(self, stop: int) -> bool:
        """Parse `self._list[1:stop]` (numbers and commas) into samples and drop it.

        False (and the careful path from now on) unless it is a non-empty list of JSON
        numbers. simdjson refuses empty slots ("1,,2", "1,") as invalid JSON; "[ ]" is
        valid but empty.
        """
        assert self._parser is not None
        text = self._list
        closing = stop == len(text)
        if closing:
            text.append(0x5D)  # "]"
        else:
            text[stop] = 0x5D  # over the comma that ends the slice
        array = None
        try:
            with memoryview(text)[: stop + 1] as view:
                array = self._parser.parse(view)
            n = len(array)
            values = np.frombuffer(array.as_buffer(of_type="d"), dtype=np.float64)
        except (ValueError, TypeError, RuntimeError):
            # not numbers, invalid JSON, a 64-bit overflow: the careful path says which
            self._careful()
            return False
        finally:
            array = None  # the parser is reused: no document may outlive the call
        if n == 0 or values.size != n:
            self._careful()
            return False
        self._append(values, stop - 1)
        del text[1 : stop + 1]  # keep "[" and whatever follows the slice's comma
        return True

    def _append(self, values: np.ndarray, text_bytes: int) -> None:
        end = self._count + len(values)
        if self._samples is None:
            self._samples = np.empty(self._estimate(len(values), text_bytes), np.float32)
        if end > len(self._samples):
            grown = np.empty(max(end, len(self._samples) * 3 // 2), dtype=np.float32)
            grown[: self._count] = self._samples[: self._count]
            self._samples = grown
        with np.errstate(over="ignore"):  # overflow is reported by the caller's check
            self._samples[self._count : end] = values  # float64 -> float32, rounded once
        self._count = end

    def _estimate(self, count: int, text_bytes: int) -> int:
        """Samples in the whole list, from the first slice's bytes per number."""
        if self._content_length is None:
            return max(count, 1 << 16)
        per_sample = max(text_bytes, 1) / count
        return max(count, int(self._content_length / per_sample * 1.02) + 64)

    def _others(self) -> dict[str, Any] | None:
        """The head and tail as one object with `"wav": []`; None unless plain."""
        if b'"wav"' in self._tail or b"\\" in self._tail:
            return None
        try:
            document = orjson.loads(self._head + b"[]" + self._tail)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(document, dict):
            return None
        others = {key: value for key, value in document.items() if key != "wav"}
        if any(isinstance(value, (dict, list)) for value in others.values()):
            return None
        return others
