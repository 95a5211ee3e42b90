"""voiceclone_common.jsonfast: big float arrays from JSON bytes, with named errors."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from voiceclone_common import jsonfast
from voiceclone_common.errors import BadInput


def test_float32_round_trip_is_exact() -> None:
    wav = np.random.default_rng(0).standard_normal(10000).astype(np.float32)
    body = orjson.dumps({"wav": wav.tolist()})
    parsed = jsonfast.float_array(jsonfast.loads(body)["wav"], "wav")
    assert parsed.dtype == np.float32
    np.testing.assert_array_equal(parsed, wav)


def test_integers_are_numbers_and_two_dimensional_arrays_work() -> None:
    assert jsonfast.float_array([0, 1, -1], "wav").tolist() == [0.0, 1.0, -1.0]
    spec = jsonfast.float_array([[1.0, 2.0], [3.0, 4.0]], "spec", ndim=2)
    assert spec.shape == (2, 2)


@pytest.mark.parametrize(("values", "needle"), [
    ([], "empty"), ("abc", "got str"), ([1.0, "x"], "strings"), ([1.0, None], "null"),
    ([[1.0], [2.0, 3.0]], "different lengths"), ([[1.0, 2.0]], "nested"),
    ([True, 1.0], "true/false"), ([1e39], "finite"),
])
def test_rejections_name_the_field(values, needle: str) -> None:
    with pytest.raises(BadInput, match="wav") as info:
        jsonfast.float_array(values, "wav", check_booleans=True)
    assert needle in str(info.value)


def test_boolean_prescan_only_when_literals_present() -> None:
    assert jsonfast.may_contain_booleans(b'{"wav": [1], "return_partials": true}')
    assert not jsonfast.may_contain_booleans(b'{"wav": [1.0, 2e-5]}')


def test_flat_numbers_only_scan() -> None:
    raw = b'{"sr": 16000, "wav": [0.1, -2e-05, 3, 1E+2]}'
    assert jsonfast.flat_numbers_only(raw, "wav", 4)
    assert not jsonfast.flat_numbers_only(raw, "wav", 3)  # count must match
    assert not jsonfast.flat_numbers_only(b'{"wav": [0.1, true]}', "wav", 2)
    assert not jsonfast.flat_numbers_only(b'{"wav": [[0.1], [0.2]]}', "wav", 2)
    assert not jsonfast.flat_numbers_only(b'{"wav": ["0.1"]}', "wav", 1)
    assert not jsonfast.flat_numbers_only(b'{"sr": 1}', "wav", 1)
    fast = jsonfast.float_array([0.1, -2e-05, 3, 100.0], "wav", numbers_only=True)
    np.testing.assert_array_equal(fast, np.array([0.1, -2e-05, 3, 100.0], dtype=np.float32))
