"""api.wavstream: the body parsed as it arrives equals the whole-body parse, or steps aside."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest
from voiceclone_encoder.api import wavstream
from voiceclone_encoder.api.wavjson import parse_flat_wav
from voiceclone_encoder.api.wavstream import WavBodyStream


def _stream(raw: bytes, chunk: int, with_length: bool = True) -> WavBodyStream:
    stream = WavBodyStream(len(raw) if with_length else None)
    for start in range(0, len(raw), chunk):
        stream.feed(raw[start : start + chunk])
    return stream


def _bodies() -> list[bytes]:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(30000) * 10.0 ** rng.integers(-30, 30, 30000)
    clip = (rng.standard_normal(40000) * 0.1).astype(np.float32).tolist()
    return [
        orjson.dumps({"wav": clip, "sr": 16000}),
        orjson.dumps({"sr": 22050, "wav": values.tolist(), "return_partials": True}),
        json.dumps({"sr": 16000, "wav": clip[:5000], "note": "x"}, indent=1).encode(),
        json.dumps({"wav": [0, -1, 3, 18446744073709551615, 1e-5, -0.0]}).encode(),
        b'  {"wav" :\n [0.5 , -0.25,1e-3] , "sr":8000 }\n',
        b'{"wav": [1e39, 0.1], "sr": 16000}',
    ]


@pytest.mark.parametrize("chunk", [1, 7, 4096, 65536, 1 << 30])
def test_same_samples_and_fields_as_the_whole_body_parse(chunk: int) -> None:
    for raw in _bodies():
        for with_length in (True, False):
            got = _stream(raw, chunk, with_length).finish()
            expected = parse_flat_wav(raw)
            assert got is not None and expected is not None, raw[:80]
            samples, others = got
            assert samples.dtype == np.float32
            assert others == expected[1]
            with np.errstate(over="ignore"):
                want = expected[0].astype(np.float32)
            assert samples.tobytes() == want.tobytes()


def test_slices_cover_long_lists(monkeypatch) -> None:
    monkeypatch.setattr(wavstream, "SLICE_BYTES", 64)  # many slices, many cuts
    for raw in _bodies():
        got = _stream(raw, 50).finish()
        expected = parse_flat_wav(raw)
        assert got is not None and expected is not None
        with np.errstate(over="ignore"):
            assert got[0].tobytes() == expected[0].astype(np.float32).tobytes()


@pytest.mark.parametrize("claimed_length", [10, 10**9])
def test_a_wrong_size_estimate_only_costs_a_copy(claimed_length: int) -> None:
    raw = orjson.dumps({"wav": [0.25] * 50000, "sr": 16000})
    stream = WavBodyStream(claimed_length)
    for start in range(0, len(raw), 1000):
        stream.feed(raw[start : start + 1000])
    samples, _ = stream.finish()
    assert samples.shape == (50000,) and (samples == 0.25).all()
    assert samples.base is None or len(samples.base) < 1.12 * len(samples)


UNUSUAL = [
    b'{"wav": [1, true], "sr": 16000}', b'{"wav": [[1], [2]], "sr": 16000}',
    b'{"wav": [1, null]}', b'{"wav": [NaN]}', b'{"wav": [1e400]}', b'{"wav": [01]}',
    b'{"wav": []}', b'{"wav": [ ]}', b'{"wav": [1, 2]} x', b'{"wav": [1, "2"]}', b"[1, 2]",
    b'{"wav": [123456789012345678901234567890]}', b'{"wav": [1], "wav": 5}',
    b'{"a": {"wav": [1]}}', b'{"w\\u0061v": [1], "x": 1}', b'{"wav": [1], "sr": {}}',
    b'{"wav": [1], "note": "[" }', b'{"wav": 5}', b'{"wav": [1,,2]}', b'{"wav": [1,]}',
    b'{"wav": [,1]}', b'{"wav": [1 2]}', b'{"wav": [1, 2', b"", b"   ", b'{"wav": [1]',
    b'{"note": "a]b", "wav": [1], "x": "\\n"}', b'{"x": [1], "wav": [2]}',
    b'{"wav": [1, {"a": 1}]}', b'{"wav": [1], "sr": 16000, "sr2": [1]}',
    b'{"wav": [1], "sr": 16000 "x": 1}', b'{"wav": [1], "x": "wav", "wav": 2}',
    b'{"note": "\\"wav\\": [", "wav": [1]}', b'{"wav": [1], "x": "\xff"}',
]


@pytest.mark.parametrize("raw", UNUSUAL)
@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_anything_unusual_takes_the_careful_path_with_the_whole_text(raw: bytes, chunk) -> None:
    assert parse_flat_wav(raw) is None  # the whole-body fast path agrees
    stream = _stream(raw, chunk)
    assert stream.finish() is None
    assert stream.take_body() == raw


def test_the_text_is_dropped_once_parsed() -> None:
    raw = orjson.dumps({"wav": [0.1] * 1000, "sr": 16000})
    stream = _stream(raw, 100)
    assert stream.finish() is not None
    assert stream.take_body() == b""
