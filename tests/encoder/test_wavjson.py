"""api.wavjson: the simdjson fast path equals the orjson path or steps aside."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest
from voiceclone_common import jsonfast
from voiceclone_common.errors import BadInput
from voiceclone_encoder.api.bodies import parse_wav_body
from voiceclone_encoder.api.wavjson import parse_flat_wav


def _careful(raw: bytes) -> np.ndarray:
    return jsonfast.float_array(jsonfast.loads(raw)["wav"], "wav")


@pytest.mark.parametrize("dumps", [orjson.dumps, lambda o: json.dumps(o, indent=1).encode()])
def test_same_float32_values_as_the_orjson_path(dumps) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(20000) * 10.0 ** rng.integers(-30, 30, 20000)
    clip = (rng.standard_normal(20000) * 0.1).astype(np.float32).tolist()
    for wav in (values.tolist(), clip, [0, -1, 3, 18446744073709551615, 1e-5, -0.0]):
        raw = dumps({"sr": 16000, "wav": wav, "return_partials": False})
        fast = parse_flat_wav(raw)
        assert fast is not None
        samples, others = fast
        assert others == {"sr": 16000, "return_partials": False}
        expected = _careful(raw)
        assert jsonfast.finite(samples, "wav").tobytes() == expected.tobytes()


@pytest.mark.parametrize("raw", [
    b'{"wav": [1, true], "sr": 16000}', b'{"wav": [[1], [2]], "sr": 16000}',
    b'{"wav": [1, null]}', b'{"wav": [NaN]}', b'{"wav": [1e400]}', b'{"wav": [01]}',
    b'{"wav": []}', b'{"wav": [1, 2]} x', b'{"wav": [1, "2"]}', b'[1, 2]',
    b'{"wav": [123456789012345678901234567890]}', b'{"wav": [1], "wav": 5}',
    b'{"a": {"wav": [1]}}', b'{"w\\u0061v": [1], "x": 1}', b'{"wav": [1], "sr": {}}',
    b'{"wav": [1], "note": "[" }', b'{"wav": 5}',
])
def test_anything_unusual_takes_the_careful_path(raw: bytes) -> None:
    assert parse_flat_wav(raw) is None


@pytest.mark.parametrize(("raw", "needle"), [
    (b'{"wav": [1e39], "sr": 16000}', "not a finite number"),
    (b'{"wav": [0.1], "sr": 16000.5}', "integer sample rate"),
    (b'{"wav": [0.1], "sr": 16000, "return_partials": 1}', "true or false"),
    (b'{"wav": [0.1]}', "sr is required"),
])
def test_fast_path_keeps_the_error_messages(raw: bytes, needle: str) -> None:
    assert parse_flat_wav(raw) is not None
    with pytest.raises(BadInput, match=needle):
        parse_wav_body(raw)


def test_parse_wav_body_fast_and_careful_agree() -> None:
    wav = [0.25, -0.5, 1]
    fast = parse_wav_body(orjson.dumps({"wav": wav, "sr": 8000, "return_partials": True}))
    careful = parse_wav_body(
        orjson.dumps({"wav": wav, "sr": 8000, "return_partials": True, "note": "[x]"})
    )
    assert fast[1:] == careful[1:] == (8000, True)
    assert fast[0].tobytes() == careful[0].tobytes()
